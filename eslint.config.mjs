import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Layer order from docs/ARCHITECTURE.md section 1: an arrow means "may import".
// apps/biobench, apps/nbd -> blockdev -> page-cache, nvme -> block -> iov-iter -> mm -> native; nvme -> block, uring -> native.
const layer = (name, ...mayImport) => ({ sourceTag: `layer:${name}`, onlyDependOnLibsWithTags: mayImport.map((t) => `layer:${t}`) });

export default [
  { ignores: ['**/node_modules/**', '**/target/**', '**/dist/**', 'packages/native/index.js', 'packages/native/index.d.ts'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            layer('native'),
            layer('uring', 'native'),
            layer('mm', 'native'),
            layer('iov-iter', 'mm', 'native'),
            layer('block', 'iov-iter', 'mm', 'native'),
            layer('nvme', 'block', 'iov-iter', 'mm', 'uring', 'native'),
            layer('page-cache', 'block', 'iov-iter', 'mm', 'native'),
            layer('blockdev', 'page-cache', 'nvme', 'block', 'iov-iter', 'mm', 'uring', 'native'),
            layer('testing', 'native', 'mm', 'uring'),
            layer('nbd', 'blockdev', 'testing'),
            layer('biobench', 'blockdev', 'page-cache', 'nvme', 'block', 'iov-iter', 'mm', 'uring', 'native', 'testing'),
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Tests and benchmarks drive packages through their public entries (their own included) and
    // may use the testing package and any driver; library code stays bound by the layers above.
    // So a lower layer's tests may import a higher layer: block's tests and bench run on
    // @biopath/nvme's null, faulty and bdev drivers instead of keeping copies of them. That import
    // resolves through the npm workspace link only: the importing package's package.json must not
    // list the higher package (that would be a real dependency, and block -> nvme -> block a
    // cycle), and .nxignore keeps test and bench files out of the Nx project graph, so Nx sees no
    // block -> nvme edge (check: `npx nx graph --file=tmp/graph.json`).
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: ['@biopath/*'], depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['*'] }] }] },
  },
  {
    // Each package's vitest project is the shared root definition (vitest.project.ts: setup, gates).
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
