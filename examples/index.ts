import { App, Chart } from 'cdk8s';
import { WebChart } from './web';

/**
 * Every example, each in its own chart. Tests and the analyzer use this list, so a new example is checked as soon as
 * it is added here.
 */
export function buildExamples(app: App): Chart[] {
  return [
    new WebChart(app, 'web'),
  ];
}
