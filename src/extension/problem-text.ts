/** Engine problems as VS Code users read them. Pure: unit tested. */
import { SETTING_WORDING } from '../shared/options';
import { describeProblem, type FileProblem } from '../shared/problems';

/** One line naming the file and the problem, its option named as a setting or a sidecar key, never a CLI flag. */
export function problemMessage(problem: FileProblem): string {
  return describeProblem(problem, SETTING_WORDING).replace(/\s*[\r\n]+\s*/g, ' ');
}
