// Party colours from the Okabe–Ito palette (distinguishable with the common colour-vision
// deficiencies), each paired with its own fill pattern and a text label on the map, so colour is
// never the only cue. The member's own party is always blue and solid-hatched; other parties
// follow in the order they joined the record.

const OKABE_ITO = [
  { colour: "#0072B2", name: "blue", pattern: "diagonal" },
  { colour: "#E69F00", name: "orange", pattern: "cross" },
  { colour: "#009E73", name: "bluish green", pattern: "dots" },
  { colour: "#CC79A7", name: "reddish purple", pattern: "vertical" },
  { colour: "#56B4E9", name: "sky blue", pattern: "horizontal" },
  { colour: "#F0E442", name: "yellow", pattern: "antidiagonal" },
  { colour: "#000000", name: "black", pattern: "grid" },
];

/** Vermillion, kept for conflicts alone (with a dashed, haloed outline and a warning mark). */
export const CONFLICT = "#D55E00";

const styles = new Map();

/** Assign styles: own party first, then the others in record order. */
export function assignParties(own, parties) {
  styles.clear();
  const order = [own, ...parties.filter((p) => p !== own)];
  order.forEach((party, i) => styles.set(party, { party, ...OKABE_ITO[i % OKABE_ITO.length] }));
}

export function partyStyle(party) {
  if (!styles.has(party)) {
    const i = styles.size;
    styles.set(party, { party, ...OKABE_ITO[i % OKABE_ITO.length] });
  }
  return styles.get(party);
}

export function allPartyStyles() {
  return [...styles.values()];
}

const patternTiles = new Map();

/** A small tile with the party's pattern in its colour, for ctx.createPattern. */
export function patternTile(party) {
  const style = partyStyle(party);
  const key = `${style.colour}/${style.pattern}`;
  if (patternTiles.has(key)) return patternTiles.get(key);
  const size = 10;
  const tile = document.createElement("canvas");
  tile.width = size;
  tile.height = size;
  const ctx = tile.getContext("2d");
  ctx.strokeStyle = style.colour;
  ctx.fillStyle = style.colour;
  ctx.lineWidth = 1.5;
  ctx.globalAlpha = 0.7;
  const line = (x0, y0, x1, y1) => {
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
  };
  switch (style.pattern) {
    case "diagonal":
      line(0, size, size, 0);
      line(-size / 2, size / 2, size / 2, -size / 2);
      line(size / 2, size * 1.5, size * 1.5, size / 2);
      break;
    case "antidiagonal":
      line(0, 0, size, size);
      line(-size / 2, size / 2, size / 2, size * 1.5);
      line(size / 2, -size / 2, size * 1.5, size / 2);
      break;
    case "cross":
      line(0, size, size, 0);
      line(0, 0, size, size);
      break;
    case "dots":
      ctx.beginPath();
      ctx.arc(size / 2, size / 2, 1.8, 0, Math.PI * 2);
      ctx.fill();
      break;
    case "vertical":
      line(size / 2, 0, size / 2, size);
      break;
    case "horizontal":
      line(0, size / 2, size, size / 2);
      break;
    default:
      line(size / 2, 0, size / 2, size);
      line(0, size / 2, size, size / 2);
  }
  patternTiles.set(key, tile);
  return tile;
}

/** A swatch element for legends: the pattern tile as a background image. */
export function swatch(party) {
  const el = document.createElement("span");
  el.className = "swatch";
  el.style.backgroundImage = `url(${patternTile(party).toDataURL()})`;
  el.style.borderColor = partyStyle(party).colour;
  el.setAttribute("aria-hidden", "true");
  return el;
}
