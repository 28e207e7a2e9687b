import { open, type FileHandle } from 'node:fs/promises';
import { ModelLoadError } from '../errors.js';
import { decodeTensor, UnsupportedTensorType, type DecodedTensor } from './decode-tensor.js';
import { readGgufHeader, type GgufHeader, type GgufTensorInfo } from './gguf-header.js';
import { GgufFormatProblem, type GgufMetadata } from './gguf-metadata.js';
import { releaseBuffer } from './release-buffer.js';

const fixMalformed = 'The file is damaged or not a GGUF model: download it again, or check that the path points at a .gguf file';

export interface ReadTensorOptions {
  /** Dequantize Q4_0/Q4_1/Q8_0 to float32 instead of re-encoding them as MLX affine quantization. */
  dequantize?: boolean;
}

/**
 * An open GGUF file: header, metadata and tensor table parsed and checked up front; tensor data
 * read on demand by offset. Close it (or `await using`) when done.
 */
export class GgufFile implements AsyncDisposable {
  readonly version: number;
  /** Metadata by key (a null-prototype object). See GgufValue for how values are represented. */
  readonly metadata: GgufMetadata;
  /** Each metadata key's value type, e.g. 'uint32' or 'array<string>'. */
  readonly metadataTypes: Record<string, string>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  readonly dataOffset: number;
  readonly fileSize: number;
  private readonly byName: Map<string, GgufTensorInfo>;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    header: GgufHeader,
  ) {
    this.version = header.version;
    this.metadata = header.metadata;
    this.metadataTypes = header.metadataTypes;
    this.tensors = header.tensors;
    this.alignment = header.alignment;
    this.dataOffset = header.dataOffset;
    this.fileSize = header.fileSize;
    this.byName = new Map(header.tensors.map((tensor) => [tensor.name, tensor]));
  }

  /** Opens and validates a GGUF file; throws ModelLoadError for anything malformed. */
  static async open(path: string): Promise<GgufFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      throw new ModelLoadError({
        file: path,
        problem: code === 'ENOENT' ? 'the file does not exist' : `the file cannot be opened (${code ?? String(cause)})`,
        fix: 'Check the path and its permissions',
        cause,
      });
    }
    try {
      const { size } = await handle.stat();
      const header = await readGgufHeader(handle, size);
      return new GgufFile(path, handle, header);
    } catch (error) {
      await handle.close();
      if (error instanceof GgufFormatProblem) {
        throw new ModelLoadError({ file: path, problem: error.message, fix: fixMalformed });
      }
      throw new ModelLoadError({ file: path, problem: `reading failed: ${String(error)}`, fix: 'Check that the file is readable', cause: error });
    }
  }

  /** The entry of tensor `name`, or undefined. */
  tensor(name: string): GgufTensorInfo | undefined {
    return this.byName.get(name);
  }

  private require(name: string): GgufTensorInfo {
    const info = this.byName.get(name);
    if (info === undefined) {
      throw new ModelLoadError({
        file: this.path,
        problem: `it has no tensor named "${name}"`,
        fix: 'Check that the file holds the model architecture you expect',
      });
    }
    return info;
  }

  /** The raw bytes of tensor `name` (or of `rowCount` rows from `firstRow` of its outermost dimension). */
  async readTensorBytes(name: string, firstRow = 0, rowCount?: number): Promise<Uint8Array> {
    const info = this.require(name);
    const rows = info.shape[0]!;
    const count = rowCount ?? rows - firstRow;
    if (!Number.isInteger(firstRow) || !Number.isInteger(count) || firstRow < 0 || count < 0 || firstRow + count > rows) {
      throw new RangeError(`rows ${firstRow}..${firstRow + count} are outside tensor "${name}" of ${rows} rows`);
    }
    const rowBytes = info.byteLength / rows;
    const whole = firstRow === 0 && count === rows;
    if (!whole && !Number.isInteger(rowBytes)) {
      throw new RangeError(`tensor "${name}" is one row of ${info.type} blocks; read it whole`);
    }
    const length = whole ? info.byteLength : count * rowBytes;
    const bytes = new Uint8Array(new ArrayBuffer(length));
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(bytes, done, length - done, info.fileOffset + firstRow * rowBytes + done);
      if (bytesRead === 0) {
        throw new ModelLoadError({
          file: this.path,
          problem: `the file became shorter while tensor "${name}" was read`,
          fix: 'Do not modify the file while it is loaded',
        });
      }
      done += bytesRead;
    }
    return bytes;
  }

  /**
   * Reads and decodes tensor `name` in row-major shape (GGML dims reversed: [out, in] for
   * weights). Optionally only rows [firstRow, firstRow + rowCount) of the outermost dimension,
   * e.g. a few rows of the token embedding.
   */
  async readTensor(name: string, options: ReadTensorOptions & { firstRow?: number; rowCount?: number } = {}): Promise<DecodedTensor> {
    const info = this.require(name);
    const firstRow = options.firstRow ?? 0;
    const rowCount = options.rowCount ?? info.shape[0]! - firstRow;
    const bytes = await this.readTensorBytes(name, firstRow, rowCount);
    try {
      const decoded = decodeTensor(info.type, [rowCount, ...info.shape.slice(1)], bytes, options);
      // Block types decode into new arrays: the file's bytes are garbage from here on.
      const views = decoded.kind === 'dense' ? [decoded.data] : [decoded.weight, decoded.scales, decoded.biases];
      if (views.every((v) => v.buffer !== bytes.buffer)) releaseBuffer(bytes);
      return decoded;
    } catch (error) {
      if (error instanceof UnsupportedTensorType) {
        throw new ModelLoadError({
          file: this.path,
          problem: `tensor "${name}": ${error.message}`,
          fix: 'Use a GGUF quantized as F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K or Q6_K',
        });
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Opens and validates a GGUF file (see GgufFile). */
export function openGguf(path: string): Promise<GgufFile> {
  return GgufFile.open(path);
}
