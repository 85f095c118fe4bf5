// An independent check of gym's Parquet files: hyparquet (pure JavaScript, no Parquet.Net code)
// decodes a file and prints its rows as JSON, so a test can compare them with what gym wrote.
//
//   node tools/parquet-check/read.mjs FILE.parquet [OUT.json]
//
// Prints {"num_rows", "columns", "rows"}: "columns" are the top-level column names in file order;
// 64-bit integers are written as exact JSON numbers (not rounded through a double).
import { writeFileSync } from 'node:fs'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'

const [input, output] = process.argv.slice(2)
if (!input) {
  console.error('usage: node read.mjs FILE.parquet [OUT.json]')
  process.exit(2)
}

const file = await asyncBufferFromFile(input)
const metadata = await parquetMetadataAsync(file)
const rows = await parquetReadObjects({ file })
// The schema is a flattened tree: the root, then each column with its children counted.
const columns = []
for (let i = 1; i < metadata.schema.length; i += 1 + countDescendants(metadata.schema, i)) {
  columns.push(metadata.schema[i].name)
}

const text = JSON.stringify({ num_rows: Number(metadata.num_rows), columns, rows }, (_, value) =>
  typeof value === 'bigint' ? `\u0000bigint:${value}` : value, 2)
  .replace(/"\\u0000bigint:(-?\d+)"/g, '$1') + '\n'
if (output) writeFileSync(output, text)
else process.stdout.write(text)

function countDescendants(schema, index) {
  let count = 0
  for (let k = 0; k < (schema[index].num_children ?? 0); k++) {
    const child = index + 1 + count
    count += 1 + countDescendants(schema, child)
  }
  return count
}
