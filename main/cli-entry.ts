import { runCli } from './cli';

await runCli(process.argv);
