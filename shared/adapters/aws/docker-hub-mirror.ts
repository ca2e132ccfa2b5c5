const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * A Docker Hub image reference rewritten to an ECR pull-through cache of Docker Hub: `cimg/base:stable` →
 * `<mirror>/cimg/base:stable`, `node:20` → `<mirror>/library/node:20` (official images live under `library/`),
 * `docker.io/x/y` like `x/y`. Images of any other registry (a host with a dot or port, `localhost`) are unchanged.
 */
export function throughDockerHubMirror(image: string, mirror: string): string {
  const [first, ...rest] = image.split('/');
  const hasHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost && !DOCKER_HUB_HOSTS.has(first)) return image;
  const path = hasHost ? rest.join('/') : image;
  return `${mirror.replace(/\/$/, '')}/${path.includes('/') ? path : `library/${path}`}`;
}
