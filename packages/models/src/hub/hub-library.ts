// @huggingface/hub, imported on the first hub call: loading a local file or folder never needs
// it, and importing it costs ~5 MB of resident memory (its code, and buffers it allocates at import).
type HubLibrary = typeof import('@huggingface/hub');

let pending: Promise<HubLibrary> | undefined;
let loaded: HubLibrary | undefined;

/** The hub client library, imported once. */
export function hubLibrary(): Promise<HubLibrary> {
  pending ??= import('@huggingface/hub').then((library) => {
    loaded = library;
    return library;
  });
  return pending;
}

/** The library if a hub call has imported it (an error from it can only come after that). */
export function hubLibraryIfLoaded(): HubLibrary | undefined {
  return loaded;
}
