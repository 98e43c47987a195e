// A regression stream with a trend, for auto's regression rule (streams.txt): x grows by 0.001 a row
// (plus uniform noise of 0.1), z is uniform in [0, 1), y = 2x + z + uniform noise of 0.2. Targets
// keep rising past every one seen, so a mix that follows its members' extrapolation matters.
//   node bench/auto-rules/trend.mjs [ROWS] > trend.csv
const rows = Number(process.argv[2] ?? 20000);
let state = 7;
// A fixed linear congruential generator: the same stream everywhere, with nothing to install.
const uniform = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
const lines = ['x,z,y'];
for (let t = 0; t < rows; t++) {
  const x = t / 1000 + uniform() * 0.1;
  const z = uniform();
  lines.push([x.toFixed(5), z.toFixed(5), (2 * x + z + (uniform() - 0.5) * 0.2).toFixed(5)].join(','));
}
process.stdout.write(lines.join('\n') + '\n');
