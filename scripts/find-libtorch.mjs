#!/usr/bin/env node
// Finds libtorch for the native addon, in DESIGN.md's order: $LIBTORCH, a Python torch install,
// Debian's libtorch-dev. It never installs anything (scripts/setup.sh does). Writes native/build-config.json, which binding.gyp reads through `--get`.
// Prints what it found and why, so a wrong pick is visible in the build log.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, renameSync, readdirSync, realpathSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** No libtorch on this machine: exit code 3, so callers can tell it from a broken one. */
class NotFound extends Error {}
const configPath = join(root, 'native', 'build-config.json');
const DEBIAN_LIB = '/usr/lib/x86_64-linux-gnu';
const OPENMP_BLAS = join(DEBIAN_LIB, 'openblas-openmp');

function hasLibtorch(include, lib) {
  return existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h')) &&
    existsSync(join(lib, 'libtorch.so'));
}

function abiFromCmake(dir) {
  for (const p of ['share/cmake/Torch/TorchConfig.cmake', 'lib/cmake/Torch/TorchConfig.cmake']) {
    const f = join(dir, p);
    if (!existsSync(f)) continue;
    const m = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(readFileSync(f, 'utf8'));
    if (m) return Number(m[1]);
  }
  return 1;
}

function fromEnv() {
  const dir = process.env.LIBTORCH;
  if (!dir) return null;
  const include = join(dir, 'include');
  const lib = join(dir, 'lib');
  if (!hasLibtorch(include, lib)) {
    throw new Error(`LIBTORCH=${dir} has no include/torch/csrc/api/include/torch/torch.h or lib/libtorch.so`);
  }
  return { source: 'LIBTORCH', why: `LIBTORCH is set to ${dir}`, include, lib, abi: abiFromCmake(dir) };
}

function fromPython() {
  for (const py of [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    let out;
    try {
      out = execFileSync(py, ['-c',
        'import torch, os; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.__version__)'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch { continue; }
    const [dir, abi, version] = out.trim().split('\n');
    const include = join(dir, 'include');
    const lib = join(dir, 'lib');
    if (hasLibtorch(include, lib)) {
      return { source: 'python', why: `${py} imports torch ${version} from ${dir}, which has include/ and lib/`, include, lib, abi: Number(abi) };
    }
  }
  return null;
}

function fromDebian() {
  if (!hasLibtorch('/usr/include', DEBIAN_LIB)) return null;
  return { source: 'debian', why: 'Debian libtorch-dev headers in /usr/include and libraries in ' + DEBIAN_LIB, include: '/usr/include', lib: DEBIAN_LIB, abi: 1 };
}

function torchVersion(include) {
  const f = join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h');
  const txt = readFileSync(f, 'utf8');
  const get = (k) => Number(new RegExp(`#define TORCH_VERSION_${k} (\\d+)`).exec(txt)?.[1] ?? 0);
  return `${get('MAJOR')}.${get('MINOR')}.${get('PATCH')}`;
}

function discover() {
  // Finding only: installing system packages is scripts/setup.sh's job, never an npm script's.
  const found = fromEnv() ?? fromPython() ?? fromDebian();
  if (!found) throw new NotFound('libtorch not found: set LIBTORCH to a libtorch folder, install a Python torch, or install Debian\'s libtorch-dev (bash scripts/setup.sh does that)');
  const libs = readdirSync(found.lib);
  const cuda = libs.includes('libtorch_cuda.so');
  // Debian's libtorch takes BLAS from libblas.so.3 / libopenblas.so.0, which may resolve to the
  // pthread OpenBLAS and oversubscribe the cores next to libtorch's OpenMP pool. Loading the OpenMP
  // build first by path makes the soname resolve to it for libtorch too.
  const debianBuild = realpathSync(join(found.lib, 'libtorch_cpu.so')).startsWith(DEBIAN_LIB + '/');
  const blas = debianBuild && existsSync(join(OPENMP_BLAS, 'libopenblas.so.0')) ? OPENMP_BLAS : null;
  if (debianBuild && !blas) {
    console.warn('[libtorch] warning: libopenblas0-openmp is missing; BLAS threads may oversubscribe (apt-get install libopenblas0-openmp)');
  }
  return { ...found, version: torchVersion(found.include), cuda, blas };
}

function gypValue(cfg, what) {
  const inc = [cfg.include, join(cfg.include, 'torch', 'csrc', 'api', 'include')];
  switch (what) {
    case 'include': return inc.join(' ');
    case 'defines': return [`_GLIBCXX_USE_CXX11_ABI=${cfg.abi}`, `ZOOCLIP_CUDA=${cfg.cuda ? 1 : 0}`].join(' ');
    case 'libs': {
      const out = [];
      if (cfg.blas) out.push(join(cfg.blas, 'libopenblas.so.0'), join(cfg.blas, 'libblas.so.3'), `-Wl,-rpath,${cfg.blas}`);
      out.push(`-L${cfg.lib}`, `-Wl,-rpath,${cfg.lib}`, '-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10');
      if (cfg.cuda) out.push('-ltorch_cuda', '-lc10_cuda');
      out.push('-Wl,--as-needed');
      return out.join(' ');
    }
    default: throw new Error(`unknown --get ${what}`);
  }
}

const getIdx = process.argv.indexOf('--get');
if (getIdx >= 0) {
  const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
  process.stdout.write(gypValue(cfg, process.argv[getIdx + 1]));
} else {
  let cfg;
  try {
    cfg = discover();
  } catch (e) {
    console.error(`[libtorch] ${e.message}`);
    process.exit(e instanceof NotFound ? 3 : 1);
  }
  const text = JSON.stringify(cfg, null, 2) + '\n';
  // Rewrite only on change, so an unchanged choice does not trigger an addon rebuild.
  if (!existsSync(configPath) || readFileSync(configPath, 'utf8') !== text) {
    const tmp = configPath + '.tmp';
    writeFileSync(tmp, text);
    renameSync(tmp, configPath);
  }
  console.log(`[libtorch] ${cfg.version} (${cfg.source}${cfg.cuda ? ', CUDA' : ', CPU'}): ${cfg.why}`);
  console.log(`[libtorch] C++11 ABI ${cfg.abi}; BLAS: ${cfg.blas ? 'OpenMP OpenBLAS from ' + cfg.blas : 'as libtorch links it'}`);
}
