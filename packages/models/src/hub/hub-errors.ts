// The ways a Hugging Face model reference can fail to resolve. Each error says what to do next,
// because the person reading it is usually at a terminal with the fix one command away.
import { errorMarker, hasMarker, MlxTsError } from '@mlx-ts/spec';

const hubMarker = errorMarker('HubError');

/** Any failure to resolve a Hugging Face model reference. `code` tells the cases apart. */
export class HubError extends MlxTsError {
  readonly [hubMarker] = true;
  /** The reference as the caller wrote it, e.g. `org/name@main:Q4_K_M`. */
  readonly reference: string;
  /** What is wrong. */
  readonly problem: string;
  /** What the user can do about it. */
  readonly fix: string;

  constructor(reference: string, code: string, problem: string, fix: string, cause?: unknown) {
    super(`Cannot resolve model "${reference}": ${problem}. ${fix}`, { code, cause });
    this.name = 'HubError';
    this.reference = reference;
    this.problem = problem;
    this.fix = fix;
  }

  static override isInstance(error: unknown): error is HubError {
    return hasMarker(error, hubMarker);
  }
}

const invalidModelReferenceMarker = errorMarker('InvalidModelReferenceError');

/** Neither an existing path nor `org/name[@revision][:QUANT]` made of safe characters. */
export class InvalidModelReferenceError extends HubError {
  readonly [invalidModelReferenceMarker] = true;
  constructor(reference: string, problem: string, fix: string, cause?: unknown) {
    super(reference, 'invalid_model_reference', problem, fix, cause);
    this.name = 'InvalidModelReferenceError';
  }
  static override isInstance(error: unknown): error is InvalidModelReferenceError {
    return hasMarker(error, invalidModelReferenceMarker);
  }
}

const hubRepositoryNotFoundMarker = errorMarker('HubRepositoryNotFoundError');

/** The hub does not know the repository or revision (or it is private and no token was sent). */
export class HubRepositoryNotFoundError extends HubError {
  readonly [hubRepositoryNotFoundMarker] = true;
  constructor(reference: string, problem: string, fix: string, cause?: unknown) {
    super(reference, 'hub_repository_not_found', problem, fix, cause);
    this.name = 'HubRepositoryNotFoundError';
  }
  static override isInstance(error: unknown): error is HubRepositoryNotFoundError {
    return hasMarker(error, hubRepositoryNotFoundMarker);
  }
}

const hubGatedRepositoryMarker = errorMarker('HubGatedRepositoryError');

/** The repository is gated: it needs the token of an account that accepted its conditions. */
export class HubGatedRepositoryError extends HubError {
  readonly [hubGatedRepositoryMarker] = true;
  constructor(reference: string, problem: string, fix: string, cause?: unknown) {
    super(reference, 'hub_gated_repository', problem, fix, cause);
    this.name = 'HubGatedRepositoryError';
  }
  static override isInstance(error: unknown): error is HubGatedRepositoryError {
    return hasMarker(error, hubGatedRepositoryMarker);
  }
}

const hubOfflineNotCachedMarker = errorMarker('HubOfflineNotCachedError');

/** Offline (HF_HUB_OFFLINE=1 or `offline: true`) and the model is not in the local cache. */
export class HubOfflineNotCachedError extends HubError {
  readonly [hubOfflineNotCachedMarker] = true;
  constructor(reference: string, problem: string, fix: string, cause?: unknown) {
    super(reference, 'hub_offline_not_cached', problem, fix, cause);
    this.name = 'HubOfflineNotCachedError';
  }
  static override isInstance(error: unknown): error is HubOfflineNotCachedError {
    return hasMarker(error, hubOfflineNotCachedMarker);
  }
}

const hubNoUsableFilesMarker = errorMarker('HubNoUsableFilesError');

/** The repository has no files this library loads, or none for the requested quantization. */
export class HubNoUsableFilesError extends HubError {
  readonly [hubNoUsableFilesMarker] = true;
  constructor(reference: string, problem: string, fix: string, cause?: unknown) {
    super(reference, 'hub_no_usable_files', problem, fix, cause);
    this.name = 'HubNoUsableFilesError';
  }
  static override isInstance(error: unknown): error is HubNoUsableFilesError {
    return hasMarker(error, hubNoUsableFilesMarker);
  }
}

const hubDownloadMarker = errorMarker('HubDownloadError');

/** The hub answered with an error, or the connection failed after the retries; a new attempt resumes. */
export class HubDownloadError extends HubError {
  readonly [hubDownloadMarker] = true;
  constructor(reference: string, problem: string, fix: string, cause?: unknown) {
    super(reference, 'hub_download_failed', problem, fix, cause);
    this.name = 'HubDownloadError';
  }
  static override isInstance(error: unknown): error is HubDownloadError {
    return hasMarker(error, hubDownloadMarker);
  }
}
