// Reads [{name, text, params}] as JSON on stdin; prints [{name, diagnostics}] as JSON.
// Each statement is linted with exactly the parameters its Python definition declares.
import { lintCypherQuery } from '@neo4j-cypher/language-support';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const q of JSON.parse(input)) {
  const parameters = Object.fromEntries(q.params.map((p) => [p, '']));
  const result = lintCypherQuery(q.text, { parameters });
  const diagnostics = Array.isArray(result) ? result : (result.diagnostics ?? []);
  out.push({ name: q.name, diagnostics: diagnostics.map((d) => ({ severity: d.severity, message: d.message })) });
}
console.log(JSON.stringify(out));
