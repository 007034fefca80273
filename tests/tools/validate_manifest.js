// Reads a Teams app manifest on stdin and prints, as JSON, the errors Microsoft's manifest schema
// for its manifestVersion reports (the schema files the @microsoft/app-manifest package ships),
// checked the way that package checks them: JSON Schema draft 4, every error, uri/email/regex formats.
"use strict";

const fs = require("fs");
const path = require("path");
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");

const SCHEMAS = path.join(
  path.dirname(require.resolve("@microsoft/app-manifest/package.json")), "build", "json-schemas", "teams",
);

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const manifest = JSON.parse(input);
  const file = path.join(SCHEMAS, "v" + manifest.manifestVersion, "MicrosoftTeams.schema.json");
  if (!fs.existsSync(file)) {
    process.stdout.write(JSON.stringify({ schema: null, errors: ["no schema for manifestVersion " + manifest.manifestVersion] }));
    return;
  }
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  addFormats(ajv, ["uri", "email", "regex"]);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(file, "utf8")));
  validate(manifest);
  const errors = (validate.errors || []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  process.stdout.write(JSON.stringify({ schema: path.relative(SCHEMAS, file), errors: errors }));
});
