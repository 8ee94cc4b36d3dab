import { runCli } from '../../bin/cli';

/** Runs the CLI as `eks-zero-trust ARGS...`, capturing its output and exit code. */
export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['node', 'eks-zero-trust', ...args], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}
