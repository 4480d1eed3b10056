import { z } from 'zod';
import { CountryCodeSchema } from './common.js';
import { DateWindowShape, includeParam, PageQueryShape, withDateWindow } from './queries.js';

export const CountrySchema = z
  .object({
    code: z.string().meta({ description: 'ISO 3166-1 alpha-2', example: 'AR' }),
    name: z
      .string()
      .meta({ description: 'English short name (ISO 3166, from i18n-iso-countries)', example: 'Argentina' }),
    visits: z.number().int().meta({ description: 'Stops in the country, across trips' }),
    trips: z.number().int().meta({ description: 'Trips with at least one stop there' }),
    firstVisit: z.string().nullable().meta({ description: 'The earliest known date of a stop there' }),
    lastVisit: z.string().nullable().meta({ description: 'The latest known date of a stop there' }),
  })
  .meta({ id: 'Country', description: 'A country the itineraries visit' });
export type Country = z.infer<typeof CountrySchema>;

export const CountryListQuerySchema = z.strictObject(PageQueryShape);
export type CountryListQuery = z.infer<typeof CountryListQuerySchema>;

export const CountryParamsSchema = z.strictObject({ code: CountryCodeSchema });

export const CountryStopsQuerySchema = withDateWindow(
  z.strictObject({
    ...PageQueryShape,
    ...DateWindowShape,
    include: includeParam(['meetings', 'participants']),
  }),
);
