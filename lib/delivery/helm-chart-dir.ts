import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { KubeObject } from '../manifests/types';

/** Kubernetes stores a Helm release in one Secret, which may hold at most 1 MiB. */
export const HELM_RELEASE_STORAGE_LIMIT = 1024 * 1024;

/** A Helm chart written to disk, ready to be an S3 asset. */
export interface HelmChartDir {
  /** The directory holding `Chart.yaml` and `templates/`. */
  readonly directory: string;
  /** How many objects the chart installs. */
  readonly objects: number;
  /**
   * An estimate of the bytes Helm stores for one release of the chart
   * (templates and rendered manifest, each gzipped and base64-encoded).
   */
  readonly storedBytes: number;
}

/**
 * Writes `objects` as a Helm chart with plain templates, in a directory named
 * by its content hash (so writing it twice is free and the asset hash is
 * stable). `{{` in any value is escaped so Helm renders the text unchanged.
 *
 * The template holds one JSON document per object (JSON is YAML, and Helm
 * splits documents on `---`): a tenth of the time of YAML at thousands of
 * namespaces. The GitOps output (`writeGitOps`) stays YAML for people.
 */
export function writeHelmChartDir(name: string, objects: readonly KubeObject[]): HelmChartDir {
  const manifest = `${objects.map((o) => JSON.stringify(o)).join('\n---\n')}\n`;
  const template = manifest.replace(/\{\{/g, '{{"{{"}}');
  // JSON is YAML: Helm reads it, and manifest tools do not mistake it for a Kubernetes object.
  const chartYaml = `${JSON.stringify({ apiVersion: 'v2', name, description: 'Network policies synthesized by eks-zero-trust', type: 'application', version: '1.0.0' }, undefined, 2)}\n`;
  const hash = createHash('sha256').update(chartYaml).update('\0').update(template).digest('hex').slice(0, 32);
  const directory = path.join(os.tmpdir(), 'eks-zero-trust-charts', `${name}-${hash}`);
  if (!fs.existsSync(path.join(directory, 'Chart.yaml'))) {
    const staging = `${directory}.${process.pid}.tmp`;
    fs.mkdirSync(path.join(staging, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'templates', 'manifests.yaml'), template);
    fs.writeFileSync(path.join(staging, 'Chart.yaml'), chartYaml);
    fs.rmSync(directory, { recursive: true, force: true });
    fs.renameSync(staging, directory);
  }
  // Helm stores the templates and the rendered manifest; they differ only where `{{` was escaped.
  const manifestGzip = gzipSync(manifest).length;
  const templateGzip = template === manifest ? manifestGzip : gzipSync(template).length;
  const storedBytes = Math.ceil((templateGzip + manifestGzip) * 4 / 3);
  return { directory, objects: objects.length, storedBytes };
}
