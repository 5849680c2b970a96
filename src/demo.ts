export async function runDemo(_options: { outDir?: string; quiet: boolean; signal: AbortSignal }): Promise<void> {
  throw new Error('demo: work in progress');
}
