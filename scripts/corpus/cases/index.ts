/** Every corpus case, by family: one file per family, so each can grow on its own. */
import type { CorpusCase } from '../corpus-case';
import { convolutionCases } from './convolutions';
import { miscCases } from './misc';
import { multiIoCases } from './multi-io';
import { recurrentCases } from './recurrent';
import { structureCases } from './structures';

export const CORPUS_CASES: readonly CorpusCase[] = [
  ...structureCases,
  ...convolutionCases,
  ...miscCases,
  ...recurrentCases,
  ...multiIoCases,
];
