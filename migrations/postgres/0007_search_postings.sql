-- Ranked search without scoring every match (issue 15), as SQLite's migration 0014: beside the search index,
-- postings, one row per term of a record (every prefix of a word from three letters on, and a shorter word whole),
-- with the record's BM25 impact for it (src/domain/ranking.ts); the index (term, kind, impact desc, ref) gives a
-- term's best records first (src/repositories/search-ranking.ts). search_index_settings holds the average record
-- length the impacts use (fixed when the index is built), search_index_statistics how many records each term is
-- found in (the snapshot idf reads). The trigger function of 0005 keeps the postings in the same transaction.
CREATE TABLE search_index_postings (
  term text NOT NULL,
  kind integer NOT NULL,
  ref integer NOT NULL,
  frequency integer NOT NULL,
  exact_frequency integer NOT NULL,
  length integer NOT NULL,
  impact double precision NOT NULL,
  PRIMARY KEY (term, kind, ref)
);
--> statement-breakpoint
CREATE TABLE search_index_settings (
  id integer PRIMARY KEY CHECK (id = 1),
  average_length double precision NOT NULL
);
--> statement-breakpoint
INSERT INTO search_index_settings (id, average_length) VALUES (1, 10);
--> statement-breakpoint
CREATE TABLE search_index_statistics (
  term text PRIMARY KEY,
  records integer NOT NULL,
  exact_records integer NOT NULL
);
--> statement-breakpoint
-- A record's postings from its searchable title and body (src/domain/ranking.ts searchPostings): the words as
-- search_words splits them, title hits weighing 10, each word's prefixes from three letters (a shorter word whole),
-- and the record's number of words.
CREATE FUNCTION search_postings(title_words text, body_words text)
RETURNS TABLE (term text, frequency integer, exact_frequency integer, length integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH words AS (
    SELECT m[1] AS word, 10 AS weight FROM regexp_matches(coalesce(title_words, ''), '[[:alnum:]]+', 'g') AS m
    UNION ALL
    SELECT m[1], 1 FROM regexp_matches(coalesce(body_words, ''), '[[:alnum:]]+', 'g') AS m
  ),
  total AS (SELECT count(*)::integer AS n FROM words)
  SELECT substr(word, 1, l), sum(weight)::integer,
    sum(CASE WHEN l = char_length(word) THEN weight ELSE 0 END)::integer, (SELECT n FROM total)
  FROM words, generate_series(least(3, char_length(word)), char_length(word)) AS l
  GROUP BY 1
$$;
--> statement-breakpoint
-- The postings kind of a type (src/db/search-index.ts SEARCH_KINDS): the types in the order of their names.
CREATE FUNCTION search_kind(resource text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE resource WHEN 'meeting' THEN 0 WHEN 'participant' THEN 1 WHEN 'stop' THEN 2 ELSE 3 END
$$;
--> statement-breakpoint
-- The postings of the search index row of a record, removed (before the row changes) or added (after).
CREATE FUNCTION search_postings_remove(resource text, record integer) RETURNS void LANGUAGE sql AS $$
  DELETE FROM search_index_postings AS p
  USING search_index AS s, search_postings(s.title_words, s.body_words) AS t
  WHERE s.type = resource AND s.ref_id = record
    AND p.term = t.term AND p.kind = search_kind(resource) AND p.ref = record
$$;
--> statement-breakpoint
CREATE FUNCTION search_postings_add(resource text, record integer) RETURNS void LANGUAGE sql AS $$
  INSERT INTO search_index_postings (term, kind, ref, frequency, exact_frequency, length, impact)
  SELECT t.term, search_kind(resource), record, t.frequency, t.exact_frequency, t.length,
    (t.frequency * 2.2::float8)
      / (t.frequency + 1.2::float8 * (0.25::float8 + 0.75::float8 * t.length / g.average_length))
  FROM search_index AS s, search_postings(s.title_words, s.body_words) AS t, search_index_settings AS g
  WHERE s.type = resource AND s.ref_id = record
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION itinerary_index_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  resource text := TG_ARGV[0];
  indexed_title text;
  indexed_body text;
  unchanged boolean := false;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM search_postings_remove(resource, OLD.id);
    DELETE FROM search_index WHERE type = resource AND ref_id = OLD.id;
    RETURN OLD;
  END IF;
  IF resource = 'trip' THEN
    unchanged := TG_OP = 'UPDATE' AND NEW.title IS NOT DISTINCT FROM OLD.title
      AND NEW.summary IS NOT DISTINCT FROM OLD.summary AND NEW.topics::text IS NOT DISTINCT FROM OLD.topics::text;
    indexed_title := NEW.title;
    indexed_body := concat_ws(' · ', NEW.summary,
      (SELECT string_agg(topic, ', ') FROM json_array_elements_text(NEW.topics) AS t(topic)));
  ELSIF resource = 'stop' THEN
    unchanged := TG_OP = 'UPDATE' AND NEW.city IS NOT DISTINCT FROM OLD.city
      AND NEW.notes IS NOT DISTINCT FROM OLD.notes;
    indexed_title := NEW.city;
    indexed_body := NEW.notes;
  ELSIF resource = 'meeting' THEN
    unchanged := TG_OP = 'UPDATE' AND NEW.title IS NOT DISTINCT FROM OLD.title
      AND NEW.description IS NOT DISTINCT FROM OLD.description
      AND NEW.topics::text IS NOT DISTINCT FROM OLD.topics::text;
    indexed_title := NEW.title;
    indexed_body := concat_ws(' · ', NEW.description,
      (SELECT string_agg(topic, ', ') FROM json_array_elements_text(NEW.topics) AS t(topic)));
  ELSE
    unchanged := TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name
      AND NEW.title IS NOT DISTINCT FROM OLD.title AND NEW.organization IS NOT DISTINCT FROM OLD.organization;
    indexed_title := NEW.name;
    indexed_body := concat_ws(' · ', NEW.title, NEW.organization);
  END IF;
  IF unchanged THEN
    RETURN NEW;
  END IF;
  -- The postings of the row as it was (an update's, or one left behind) go before it changes.
  PERFORM search_postings_remove(resource, NEW.id);
  IF TG_OP = 'UPDATE' THEN
    UPDATE search_index SET title = indexed_title, body = indexed_body WHERE type = resource AND ref_id = NEW.id;
  END IF;
  IF TG_OP = 'INSERT' OR NOT FOUND THEN
    INSERT INTO search_index (type, ref_id, title, body) VALUES (resource, NEW.id, indexed_title, indexed_body)
    ON CONFLICT (type, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body;
  END IF;
  PERFORM search_postings_add(resource, NEW.id);
  RETURN NEW;
END
$$;
--> statement-breakpoint
UPDATE search_index_settings SET average_length = coalesce((
  SELECT avg(coalesce((SELECT t.length FROM search_postings(title_words, body_words) AS t LIMIT 1), 0))
  FROM search_index), 10);
--> statement-breakpoint
INSERT INTO search_index_postings (term, kind, ref, frequency, exact_frequency, length, impact)
SELECT t.term, search_kind(s.type), s.ref_id, t.frequency, t.exact_frequency, t.length,
  (t.frequency * 2.2::float8)
    / (t.frequency + 1.2::float8 * (0.25::float8 + 0.75::float8 * t.length / g.average_length))
FROM search_index AS s, search_postings(s.title_words, s.body_words) AS t, search_index_settings AS g
ORDER BY 1, 2, 3;
--> statement-breakpoint
CREATE INDEX search_index_postings_by_impact ON search_index_postings (term, kind, impact DESC, ref);
--> statement-breakpoint
DELETE FROM "search_index_statistics";
--> statement-breakpoint
INSERT INTO "search_index_statistics" ("term", "records", "exact_records")
  SELECT "term", count(*), count(*) FILTER (WHERE "exact_frequency" > 0) FROM "search_index_postings" GROUP BY "term";
--> statement-breakpoint
INSERT INTO "search_index_statistics" ("term", "records", "exact_records")
  SELECT '', count(*), count(*) FROM "search_index";
