/* A shared object that is not a pass plugin: it exports no convc_plugin_info. */
int not_a_plugin(void);

int not_a_plugin(void)
{
	return 42;
}
