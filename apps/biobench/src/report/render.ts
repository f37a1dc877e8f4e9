/**
 * Plots without a browser: ECharts' server-side SVG renderer, then resvg for the PNG (system
 * fonts, DejaVu first). Also reads a PNG's size back from its IHDR chunk (tests, sanity check).
 */
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';

export interface Rendered {
  svg: string;
  png: Buffer;
}

export function renderChart(option: Record<string, unknown>, width: number, height: number): Rendered {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    const svg = chart.renderToSVGString();
    const png = new Resvg(svg, {
      fitTo: { mode: 'original' },
      background: '#ffffff',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    }).render().asPng();
    return { svg, png: Buffer.from(png) };
  } finally {
    chart.dispose();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR, or null when `buf` is not a PNG. */
export function pngSize(buf: Buffer): { width: number; height: number } | null {
  if (buf.length < 24 || !buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
