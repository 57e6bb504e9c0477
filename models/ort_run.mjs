#!/usr/bin/env node
// ONNX Runtime (CPU) reference runner with the same command line as the
// runner that convc generates:
//
//   node ort_run.mjs MODEL.onnx -i in.npy [-i in2.npy ...] -o out.npy [-o ...]
//                    [--threads T] [--bench N]
//
// Inputs and outputs are NumPy .npy files, C order, in ONNX graph order:
// inputs and outputs float32, float64, float16, int64, int32, int16, int8, uint64, uint32,
// uint16, uint8 or bool.  --threads sets intraOpNumThreads (default 1; interOpNumThreads is
// always 1, sequential execution).  --bench N runs one warm-up inference and
// then N timed ones and prints
//   latency_ms median=... min=... max=... runs=N
// Outputs (when -o is given) are written from the last inference.
//
// Needs `onnxruntime-node` installed next to this file
// (npm install --ignore-scripts --no-audit --no-fund, run in models/).

import fs from 'node:fs';
import process from 'node:process';
import ort from 'onnxruntime-node';

function usage(msg) {
  if (msg) process.stderr.write(`ort_run: ${msg}\n`);
  process.stderr.write(
    'usage: node ort_run.mjs MODEL.onnx -i in.npy [-i ...] [-o out.npy ...] ' +
      '[--threads T] [--bench N]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { model: null, inputs: [], outputs: [], threads: 1, bench: 0 };
  for (let k = 0; k < argv.length; k++) {
    const s = argv[k];
    const need = () => {
      if (k + 1 >= argv.length) usage(`missing value after ${s}`);
      return argv[++k];
    };
    const posInt = (v, name, min) => {
      if (!/^\d+$/.test(v) || Number(v) < min) usage(`bad ${name}: ${v}`);
      return Number(v);
    };
    if (s === '-i' || s === '--input') a.inputs.push(need());
    else if (s === '-o' || s === '--output') a.outputs.push(need());
    else if (s === '--threads' || s === '-t') a.threads = posInt(need(), '--threads', 1);
    else if (s === '--bench') a.bench = posInt(need(), '--bench', 1);
    else if (s === '-h' || s === '--help') usage();
    else if (s.startsWith('-')) usage(`unknown option ${s}`);
    else if (a.model === null) a.model = s;
    else usage(`unexpected argument ${s}`);
  }
  if (a.model === null) usage('no model given');
  return a;
}

// ---- .npy reading (float32, int64, int32) / writing (float32), C order -----

const NPY_TYPES = {
  f4: { type: 'float32', size: 4, make: (n) => new Float32Array(n) },
  f8: { type: 'float64', size: 8, make: (n) => new Float64Array(n) },
  // float16 travels as its bit patterns (ORT takes and gives a Uint16Array)
  f2: { type: 'float16', size: 2, make: (n) => new Uint16Array(n) },
  i8: { type: 'int64', size: 8, make: (n) => new BigInt64Array(n) },
  i4: { type: 'int32', size: 4, make: (n) => new Int32Array(n) },
  i1: { type: 'int8', size: 1, make: (n) => new Int8Array(n) },
  u1: { type: 'uint8', size: 1, make: (n) => new Uint8Array(n) },
  b1: { type: 'bool', size: 1, make: (n) => new Uint8Array(n) },
  i2: { type: 'int16', size: 2, make: (n) => new Int16Array(n) },
  u2: { type: 'uint16', size: 2, make: (n) => new Uint16Array(n) },
  u4: { type: 'uint32', size: 4, make: (n) => new Uint32Array(n) },
  u8: { type: 'uint64', size: 8, make: (n) => new BigUint64Array(n) },
};
// ORT tensor type -> .npy descr
const NPY_DESCR = {
  float32: '<f4', float64: '<f8', float16: '<f2', int64: '<i8', int32: '<i4', int8: '|i1', uint8: '|u1',
  bool: '|b1', int16: '<i2', uint16: '<u2', uint32: '<u4', uint64: '<u8',
};

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(NPY_MAGIC))
    throw new Error(`${path}: not a .npy file`);
  const major = buf[6];
  let hlen;
  let hstart;
  if (major === 1) {
    hlen = buf.readUInt16LE(8);
    hstart = 10;
  } else if (major === 2 || major === 3) {
    hlen = buf.readUInt32LE(8);
    hstart = 12;
  } else {
    throw new Error(`${path}: unsupported .npy version ${major}`);
  }
  const header = buf.subarray(hstart, hstart + hlen).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new Error(`${path}: bad .npy header: ${header}`);
  const kind = /^[<=|]/.test(descr[1]) ? NPY_TYPES[descr[1].slice(1)] : undefined;
  if (!kind) throw new Error(`${path}: dtype ${descr[1]} is not one ort_run reads`);
  if (fortran[1] !== 'False') throw new Error(`${path}: Fortran-order arrays are not supported`);
  const dims = shape[1]
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => {
      if (!/^\d+$/.test(t)) throw new Error(`${path}: bad shape entry ${t}`);
      return Number(t);
    });
  const count = dims.reduce((p, d) => p * d, 1);
  const dataStart = hstart + hlen;
  if (buf.length - dataStart !== count * kind.size)
    throw new Error(
      `${path}: expected ${count * kind.size} data bytes, found ${buf.length - dataStart}`);
  // Copy into a fresh, aligned typed array (little-endian host assumed, as ORT requires).
  const data = kind.make(count);
  new Uint8Array(data.buffer).set(buf.subarray(dataStart));
  return { dims, data, type: kind.type };
}

function writeNpy(path, dims, data, type) {
  const shapeStr = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${NPY_DESCR[type]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Version 1.0: 10-byte preamble; pad header with spaces so the data starts
  // on a 64-byte boundary, header ends with '\n'.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  NPY_MAGIC.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  // bool tensors come back as arrays of booleans: one byte 0/1 each
  const arr = type === 'bool' && !(data instanceof Uint8Array) ? Uint8Array.from(data, (b) => (b ? 1 : 0)) : data;
  const body = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

// ---- main -----------------------------------------------------------------

function fmt(x) {
  return x.toFixed(3);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(args.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });

  const inNames = session.inputNames;
  const outNames = session.outputNames;
  if (args.inputs.length !== inNames.length)
    usage(`model has ${inNames.length} input(s) (${inNames.join(', ')}), got ${args.inputs.length} -i`);
  if (args.outputs.length > outNames.length)
    usage(`model has ${outNames.length} output(s), got ${args.outputs.length} -o`);
  if (args.outputs.length === 0 && args.bench === 0) usage('no -o given (and no --bench)');

  const feeds = {};
  inNames.forEach((name, k) => {
    const { dims, data, type } = readNpy(args.inputs[k]);
    feeds[name] = new ort.Tensor(type, data, dims);
  });

  let results = await session.run(feeds);

  if (args.bench > 0) {
    // The run above is the warm-up.
    const times = [];
    for (let r = 0; r < args.bench; r++) {
      const t0 = process.hrtime.bigint();
      results = await session.run(feeds);
      const t1 = process.hrtime.bigint();
      times.push(Number(t1 - t0) / 1e6);
    }
    const s = [...times].sort((x, y) => x - y);
    const n = s.length;
    const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    process.stdout.write(
      `latency_ms median=${fmt(median)} min=${fmt(s[0])} max=${fmt(s[n - 1])} runs=${n}\n`);
  }

  args.outputs.forEach((path, k) => {
    const t = results[outNames[k]];
    if (!NPY_DESCR[t.type])
      throw new Error(`output ${outNames[k]} has type ${t.type}, which ort_run does not write`);
    writeNpy(path, t.dims.map(Number), t.data, t.type);
  });
}

main().catch((e) => {
  process.stderr.write(`ort_run: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
