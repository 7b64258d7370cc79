// Times ONNX Runtime (the npm registry's onnxruntime-node, CPU) on one model: fixed random
// input of the given shape, intra-op threads as asked, one inter-op thread, every graph
// optimisation on. Prints one JSON object: samples_per_s and step_ms_p50.
//
// Usage: node ort_infer.js MODEL.onnx BATCH C,H,W THREADS WARMUP STEPS
// onnxruntime-node is found through NODE_PATH (bench_onnxruntime.py sets it).
const ort = require('onnxruntime-node');

async function main() {
  const [path, batchArg, shapeArg, threadsArg, warmupArg, stepsArg] = process.argv.slice(2);
  const batch = Number(batchArg), warmup = Number(warmupArg), steps = Number(stepsArg);
  const dims = [batch, ...shapeArg.split(',').map(Number)];
  const session = await ort.InferenceSession.create(path, {
    intraOpNumThreads: Number(threadsArg),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; ++i) data[i] = Math.random() * 2 - 1;
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < steps; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({samples_per_s: batch / (median / 1000), step_ms_p50: median}));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
