import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeConfig } from '../../src/config/index.js';
import { configDocPath, renderConfigDoc } from '../../scripts/gen-config-doc.js';

describe('docs/CONFIG.md', () => {
  it('is what scripts/gen-config-doc.ts generates (run `npx tsx scripts/gen-config-doc.ts`)', () => {
    expect(readFileSync(configDocPath, 'utf8')).toBe(renderConfigDoc());
  });

  it('documents every key and its environment variable', () => {
    const doc = renderConfigDoc();
    for (const k of describeConfig()) {
      expect(doc).toContain(`### \`${k.key}\``);
      expect(doc).toContain(`\`${k.env}\``);
    }
  });
});
