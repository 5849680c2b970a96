/**
 * The chart colours, read from VS Code's --vscode-* CSS variables so charts follow the theme. Pure
 * apart from its argument (any getPropertyValue), so it can be tested without a browser.
 */

export type SeriesColor = 'blue' | 'orange' | 'green' | 'red' | 'purple' | 'yellow';
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface ChartTheme {
  kind: ThemeKind;
  foreground: string;
  /** Secondary text: axis titles, notes. */
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  fontSize: number;
  series: Record<SeriesColor, string>;
}

/** VS Code's own defaults (dark+ / light+), for a page that defines no variables. */
const FALLBACK: Record<'dark' | 'light', Omit<ChartTheme, 'kind' | 'fontFamily' | 'fontSize'>> = {
  dark: {
    foreground: '#cccccc',
    muted: '#9d9d9d',
    grid: '#80808059',
    background: '#1e1e1e',
    series: { blue: '#3794ff', orange: '#d18616', green: '#89d185', red: '#f14c4c', purple: '#b180d7', yellow: '#cca700' },
  },
  light: {
    foreground: '#3b3b3b',
    muted: '#717171',
    grid: '#80808059',
    background: '#ffffff',
    series: { blue: '#1a85ff', orange: '#d18616', green: '#388a34', red: '#e51400', purple: '#652d90', yellow: '#bf8803' },
  },
};

export function themeKind(bodyClass: string): ThemeKind {
  const classes = bodyClass.split(/\s+/);
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  return classes.includes('vscode-light') ? 'light' : 'dark';
}

export function readTheme(style: { getPropertyValue(name: string): string }, bodyClass: string): ChartTheme {
  const kind = themeKind(bodyClass);
  const fallback = FALLBACK[kind === 'light' || kind === 'high-contrast-light' ? 'light' : 'dark'];
  const read = (...names: string[]): string | null => {
    for (const name of names) {
      const value = style.getPropertyValue(name).trim();
      if (value) return value;
    }
    return null;
  };
  const highContrast = kind === 'high-contrast' || kind === 'high-contrast-light';
  const seriesColor = (name: SeriesColor) => read(`--vscode-charts-${name}`) ?? fallback.series[name];
  const fontSize = Number.parseFloat(read('--vscode-font-size') ?? '');
  return {
    kind,
    foreground: read('--vscode-editor-foreground', '--vscode-foreground') ?? fallback.foreground,
    muted: read('--vscode-descriptionForeground') ?? fallback.muted,
    grid:
      (highContrast ? read('--vscode-contrastBorder') : null) ?? read('--vscode-charts-lines', '--vscode-panel-border') ?? fallback.grid,
    background: read('--vscode-editor-background') ?? fallback.background,
    fontFamily: read('--vscode-font-family') ?? 'system-ui, sans-serif',
    fontSize: Number.isFinite(fontSize) && fontSize > 0 ? fontSize : 13,
    series: {
      blue: seriesColor('blue'),
      orange: seriesColor('orange'),
      green: seriesColor('green'),
      red: seriesColor('red'),
      purple: seriesColor('purple'),
      yellow: seriesColor('yellow'),
    },
  };
}

/** `color` with the given opacity: hex (#rgb, #rrggbb, #rrggbbaa) and rgb()/rgba(); other forms unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  let hex = /^#([0-9a-f]{3,8})$/i.exec(c)?.[1];
  if (hex) {
    if (hex.length === 3 || hex.length === 4) hex = [...hex].map((d) => d + d).join('');
    if (hex.length !== 6 && hex.length !== 8) return color;
    const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex!.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}

/** The colours a chart with several models cycles through. */
export const MODEL_COLORS: SeriesColor[] = ['blue', 'orange', 'green', 'purple', 'yellow', 'red'];
