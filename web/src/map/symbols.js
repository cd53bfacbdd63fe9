// MIL-STD-2525 unit symbols from milsymbol, drawn once per symbol code and size, then stamped on
// the map with drawImage: ten thousand units cost ten thousand image copies, not ten thousand
// symbol layouts.
import ms from "milsymbol";

const cache = new Map();
const DPR = Math.max(1, Math.min(2, globalThis.devicePixelRatio || 1));

/** {canvas, anchor: {x, y}, width, height} in CSS pixels, for a SIDC at a size. */
export function symbolImage(sidc, size) {
  const key = `${sidc}@${size}`;
  let found = cache.get(key);
  if (!found) {
    let symbol = new ms.Symbol(sidc, { size, outlineWidth: 2, outlineColor: "white" });
    if (!symbol.isValid()) symbol = new ms.Symbol("SUGP-----------", { size, outlineWidth: 2, outlineColor: "white" });
    const canvas = symbol.asCanvas(DPR);
    const anchor = symbol.getAnchor();
    const box = symbol.getSize();
    found = { canvas, anchor, width: box.width, height: box.height, valid: symbol.isValid() };
    cache.set(key, found);
  }
  return found;
}

/** An <img> of a symbol for lists and the legend. */
export function symbolDataUrl(sidc, size = 20) {
  return symbolImage(sidc, size).canvas.toDataURL();
}
