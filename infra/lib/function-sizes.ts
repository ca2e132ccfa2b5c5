/** A function's memory and architecture as a synthesized template declares them. */
export interface TemplateFunctionSize {
  readonly memoryMb: number;
  readonly architecture: string;
}

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, any> }> };

/**
 * The memory size and architecture of each Slipway function in a synthesized template, by the function's name
 * (`api`, `dispatcher`, ...: its `POWERTOOLS_SERVICE_NAME` without `slipway-`), as CloudFormation applies
 * them: no `MemorySize` means Lambda's default of 128 MB, no `Architectures` means x86_64.
 */
export function functionSizesFromTemplate(template: Template): Record<string, TemplateFunctionSize> {
  const sizes: Record<string, TemplateFunctionSize> = {};
  for (const r of Object.values(template.Resources ?? {})) {
    const service = r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME;
    if (r.Type !== 'AWS::Lambda::Function' || typeof service !== 'string') continue;
    sizes[service.replace(/^slipway-/, '')] = {
      memoryMb: Number(r.Properties?.MemorySize ?? 128),
      architecture: String(r.Properties?.Architectures?.[0] ?? 'x86_64'),
    };
  }
  return sizes;
}
