import { runTimeCasesOnNewApp } from './time-cases.js';

// Runs the time cases in a process of its own and prints what the app answered, with the date this process
// believes it is: time.test.ts starts it under faketime with the clock set to January and to July.

const { results } = await runTimeCasesOnNewApp();
process.stdout.write(`${JSON.stringify({ now: new Date().toISOString(), results })}\n`);
