/**
 * The `node` arguments for a child process that runs a TypeScript file: the test process' own loader flags.
 * Under tap those are its TypeScript loader and coverage hooks, so the child's coverage is of the same
 * transpiled code as every other process'; a child transpiled by another loader (tsx) reports its hits against
 * different generated code, and merged with the rest it marks lines that ran as never run. Outside tap, tsx.
 * Not the test process' own lingering check (linger.ts): a child is not a test file.
 */
export function typescriptNodeArgs(): string[] {
  return process.execArgv.length > 0 ? process.execArgv.filter((arg) => !arg.endsWith('helpers/linger.ts')) : ['--import', 'tsx']
}

/** An environment for a child whose coverage must not be collected (tap's process-info hook honours this switch). */
export function withoutCoverage(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' }
}
