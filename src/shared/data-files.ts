/** The analysis data file types, in one list: the engine reads them, the CLI and the extension offer them. */
export const DATA_FILE_EXTENSIONS = ['.npy', '.npz', '.json', '.csv'] as const;

export type DataFileExtension = (typeof DATA_FILE_EXTENSIONS)[number];
