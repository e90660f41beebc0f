export { SecondFactor, type FactorCheck } from './second-factor.js';
export { FactorRegistry } from './factor-registry.js';
