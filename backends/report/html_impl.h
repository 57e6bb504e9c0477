/*
 * html_impl.h - private to backends/report: a thin layer over libxml2's
 * xmlTextWriter for the HTML report (write_html.c, html_plot.c).
 *
 * Every call records the first failure in hw.err instead of returning it,
 * so page code reads top to bottom; the caller checks hw.err at the end.
 * Text and attribute values are escaped by libxml2.
 */
#ifndef CONVC_HTML_IMPL_H
#define CONVC_HTML_IMPL_H

#include <libxml/xmlwriter.h>

#include "backends/report/report_impl.h"

typedef struct hw {
	xmlTextWriterPtr w;
	int err;
} hw;

#if defined(__GNUC__)
#define HW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HW_PRINTF(a, b)
#endif

void hw_start(hw *h, const char *element);
void hw_end(hw *h); /* always writes </element> (HTML has few void elements) */
void hw_attr(hw *h, const char *name, const char *fmt, ...) HW_PRINTF(3, 4);
void hw_text(hw *h, const char *fmt, ...) HW_PRINTF(2, 3);
/* <element>text</element> */
void hw_elem(hw *h, const char *element, const char *fmt, ...) HW_PRINTF(3, 4);
/* <element class="cls">text</element> */
void hw_elem_class(hw *h, const char *element, const char *cls, const char *fmt, ...) HW_PRINTF(4, 5);

/* The category's colour ("#1f77b4"). */
const char *rp_category_color(rp_category c);

/* The SVG roofline plot: one circle (class "op") per op. */
void rp_html_roofline(hw *h, const rp_report *r);
/* Horizontal time bars for the 30 longest ops. */
void rp_html_time_bars(hw *h, const rp_report *r);

#endif
