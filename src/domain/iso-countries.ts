import { createRequire } from 'node:module';
import type * as IsoCountries from 'i18n-iso-countries';

// i18n-iso-countries (ISO 3166-1 codes and names), with its English names only. The package's Node entry registers
// all of its 79 languages at load, about a sixth of the API's start-up here, and the API names countries in English.
const require = createRequire(import.meta.url);
const countries = require('i18n-iso-countries/index.js') as typeof IsoCountries;
countries.registerLocale(require('i18n-iso-countries/langs/en.json') as IsoCountries.LocaleData);

/** The i18n-iso-countries library, with the `en` locale registered: pass 'en' wherever it takes a language. */
export default countries;
