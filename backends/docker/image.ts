import type Docker from 'dockerode';
import { EvalflowError } from '../../common/errors.ts';
import type { BackendContext } from '../types.ts';
import { dockerAllowing, dockerMessage, type DockerBackendConfig } from './client.ts';

interface PullProgress {
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Pulls, failing with image_pull whether the daemon refuses outright or reports the error inside the progress stream. */
async function pull(client: Docker, image: string, ctx: BackendContext): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await client.pull(image);
  } catch (err) {
    throw new EvalflowError('image_pull', `cannot pull ${image}: ${dockerMessage(err)}`, { image }, { cause: err });
  }
  const output = await new Promise<PullProgress[]>((resolve, reject) => {
    client.modem.followProgress(
      stream,
      (err: Error | null, result: PullProgress[]) => (err ? reject(err) : resolve(result)),
      (event: PullProgress) => ctx.heartbeat({ image, pull: event.status ?? '' }),
    );
  }).catch((err: unknown) => {
    throw new EvalflowError('image_pull', `pulling ${image} failed: ${err instanceof Error ? err.message : String(err)}`, { image }, { cause: err });
  });
  const failed = output.find((e) => e.error !== undefined || e.errorDetail !== undefined);
  if (failed) throw new EvalflowError('image_pull', `pulling ${image} failed: ${failed.errorDetail?.message ?? failed.error ?? 'unknown error'}`, { image });
  ctx.log(`pulled ${image}`);
}

/** Makes sure the image is present, per the pull policy. */
export async function ensureImage(client: Docker, cfg: DockerBackendConfig, image: string, ctx: BackendContext): Promise<void> {
  if (cfg.pull === 'always') return pull(client, image, ctx);
  const found = await dockerAllowing(`inspect image ${image}`, [404], () => client.getImage(image).inspect());
  if (found !== 404) return;
  if (cfg.pull === 'never') throw new EvalflowError('image_pull', `image ${image} is not on the Docker host and backend.pull is "never"`, { image });
  await pull(client, image, ctx);
}
