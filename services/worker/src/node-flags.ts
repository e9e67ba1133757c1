/**
 * Node flags every worker process starts with: `npm run start:worker` (and so the compose
 * file and the Docker image), the demo and the benchmarks.
 *
 * The old-generation cap keeps a worker's RSS flat under 250 MB through a burst (issue 8):
 * without it V8 lets the heap grow with the allocation rate (about 330 MB at 1,000 hires,
 * still growing), although the live data is small: a record is read, changed and written per
 * job. The cost is more frequent major GCs, a few per cent of throughput (bench/HISTORY.md, first session,
 * "Memory"). A later --max-old-space-size on the command line wins.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=192'] as const;
