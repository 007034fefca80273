// Reads a JSON array of Adaptive Cards on stdin and prints, as JSON, what Microsoft's renderer
// (the adaptivecards package) reports for each: events while parsing, and failures when it
// validates the parsed card. An empty list for a card means the renderer found nothing wrong.
"use strict";

const AC = require("adaptivecards/dist/adaptivecards.js");

function problemsOf(json) {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(json, context);
  const problems = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push({ phase: "parse", event: AC.ValidationEvent[event.event], message: event.message });
  }
  for (const event of card.validateProperties().validationEvents) {
    problems.push({ phase: "validate", event: AC.ValidationEvent[event.event], message: event.message });
  }
  return problems;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const cards = JSON.parse(input);
  process.stdout.write(JSON.stringify({
    renderer: require("adaptivecards/package.json").version,
    results: cards.map(problemsOf),
  }));
});
