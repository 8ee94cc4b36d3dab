import * as fs from 'fs';
import * as path from 'path';
import { recommendFromFiles, RecommendEngine } from '../../lib/recommend';
import { caasScenario, csvExport, hubbleExport, whiskerExport } from './flows';

// The sample flow files in examples/flows (used by the README and .ci/run)
// are this scenario, written out; this test keeps them in step with it.
// Regenerate with UPDATE_SAMPLES=1 npx jest test/recommend/samples.test.ts
const DIR = path.join(__dirname, '..', '..', 'examples', 'flows');
const SAMPLES: { [file: string]: string } = {
  'caas-tenants.hubble.jsonl': hubbleExport(caasScenario(['acme', 'globex'])),
  'caas-tenants.whisker.jsonl': whiskerExport(caasScenario(['acme', 'globex'])),
  'caas-tenants.csv': csvExport(caasScenario(['acme', 'globex'])),
};

test.each(Object.keys(SAMPLES))('examples/flows/%s is the seed 003 scenario', (file) => {
  if (process.env.UPDATE_SAMPLES) fs.writeFileSync(path.join(DIR, file), SAMPLES[file]);
  expect(fs.readFileSync(path.join(DIR, file), 'utf8')).toBe(SAMPLES[file]);
});

// The recommender's TypeScript for the Calico sample, committed so `npm test`
// type-checks generated code against the library (tsc covers examples/).
test('examples/recommended/caas-tenants-calico.ts is what the recommender writes for the Whisker sample', () => {
  const rec = recommendFromFiles([path.join(DIR, 'caas-tenants.whisker.jsonl')], { engine: RecommendEngine.CALICO });
  const file = path.join(__dirname, '..', '..', 'examples', 'recommended', 'caas-tenants-calico.ts');
  if (process.env.UPDATE_SAMPLES) { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, rec.typescript); }
  expect(fs.readFileSync(file, 'utf8')).toBe(rec.typescript);
});
