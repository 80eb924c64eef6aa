// The examples app: `npx projen synth` (or `cdk8s synth`) writes every example into cdk8s.out/.
import { App } from 'cdk8s';
import { buildExamples } from './index';

const app = new App();
buildExamples(app);
app.synth();
