// A CSV the API answers, saved as a file: as the API wrote it (commas, the API's own format, what a program reads)
// and for a German Excel, which opens a file of commas as one column: semicolons, decimal commas, a byte-order mark
// so that umlauts read right, and no cell that Excel would run as a formula.

import { getCsv } from "./api.js";

export async function saveCsv(path, query, filename, { forExcel = false } = {}) {
  let blob = await getCsv(path, query);
  if (forExcel) blob = new Blob([forGermanExcel(await blob.text())], { type: "text/csv;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = forExcel ? filename.replace(/\.csv$/, "_excel.csv") : filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

const DECIMAL = /^-?\d+\.\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
// What Excel reads as the start of a formula (OWASP, "CSV injection"): such a text cell gets a leading apostrophe.
const FORMULA_START = /^[=+\-@\t\r]/;

export function forGermanExcel(text) {
  const rows = parseCsv(text).map((cells) => cells.map(excelCell).join(";"));
  return `\uFEFF${rows.join("\r\n")}\r\n`;
}

function excelCell(cell) {
  let value = DECIMAL.test(cell) ? cell.replace(".", ",") : cell;
  if (!NUMBER.test(cell) && FORMULA_START.test(value)) value = `'${value}`;
  return /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// RFC 4180: fields separated by commas, quoted where they hold a comma, a quote or a line break.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"') quoted = true;
    else if (character === ",") {
      row.push(cell);
      cell = "";
    } else if (character === "\n" || character === "\r") {
      if (character === "\r" && text[index + 1] === "\n") index++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += character;
  }
  if (cell !== "" || row.length) rows.push([...row, cell]);
  return rows;
}
