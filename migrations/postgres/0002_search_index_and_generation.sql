-- Text matching, the search index and the cache generation for PostgreSQL.
--
-- search_text(text): the searchable form of a text, the rule of src/domain/text.ts (searchText) in SQL, as SQLite
-- gets it from a function the application registers: compatibility decomposition (NFKD: ﬁ is fi, full-width Ａ is
-- A), accents dropped, the unaccent dictionary for the letters that are no base letter plus an accent (ł, ø, ß, ı,
-- þ, æ), lower case, NFC again, and a space around each character of a script written without spaces (Han,
-- Hiragana, Katakana, Hangul), so that a word is found inside a longer run. A SQL function over the two-argument
-- unaccent, so that PostgreSQL may take it as IMMUTABLE (index keys, generated columns) without a C wrapper.
-- tests/postgres-text.test.ts compares it with the TypeScript rule, character by character.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
--> statement-breakpoint
CREATE FUNCTION search_text(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT btrim(regexp_replace(regexp_replace(
    normalize(lower(public.unaccent('public.unaccent'::regdictionary,
      regexp_replace(normalize(value, NFKD), '[\u0300-\u036f]', '', 'g'))), NFC),
    '([\u1100-\u11ff\u2e80-\u2e99\u2e9b-\u2ef3\u2f00-\u2fd5\u3005\u3007\u3021-\u3029\u302e\u302f\u3038-\u303b\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3131-\u318e\u31f0-\u31ff\u3200-\u321e\u3260-\u327e\u32d0-\u32fe\u3300-\u3357\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97c\uac00-\ud7a3\ud7b0-\ud7c6\ud7cb-\ud7fb\uf900-\ufa6d\ufa70-\ufad9\uff66-\uff6f\uff71-\uff9d\uffa0-\uffbe\uffc2-\uffc7\uffca-\uffcf\uffd2-\uffd7\uffda-\uffdc\U00020000-\U0003134f])',
    ' \1 ', 'g'), ' {2,}', ' ', 'g'))
$$;
--> statement-breakpoint
-- The words of a searchable text as a tsvector: runs of letters and digits (as the TypeScript rule's words), each
-- a lexeme of the `simple` configuration, which neither stems nor drops stop words (FTS5's unicode61 does neither).
CREATE FUNCTION search_words(value text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig, regexp_replace(coalesce(value, ''), '[^[:alnum:]]+', ' ', 'g'))
$$;
--> statement-breakpoint
-- The search index: one row per record, as SQLite's FTS5 table `search_index` holds it (the text as written, its
-- searchable form, the record's type and id), with a tsvector whose title words weigh more than the body's.
CREATE TABLE search_index (
  type text NOT NULL,
  ref_id integer NOT NULL,
  title text NOT NULL,
  body text,
  title_words text GENERATED ALWAYS AS (search_text(title)) STORED,
  body_words text GENERATED ALWAYS AS (search_text(body)) STORED,
  document tsvector GENERATED ALWAYS AS (
    setweight(search_words(search_text(title)), 'A') || setweight(search_words(search_text(body)), 'B')
  ) STORED,
  PRIMARY KEY (type, ref_id)
);
--> statement-breakpoint
CREATE INDEX search_index_document_idx ON search_index USING gin (document);
--> statement-breakpoint
-- What each record is called and says, as src/db/search-index.ts's SOURCES give SQLite's index.
CREATE FUNCTION itinerary_index_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  resource text := TG_ARGV[0];
  indexed_title text;
  indexed_body text;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_index WHERE type = resource AND ref_id = OLD.id;
    RETURN OLD;
  END IF;
  IF resource = 'trip' THEN
    indexed_title := NEW.title;
    indexed_body := concat_ws(' · ', NEW.summary,
      (SELECT string_agg(topic, ', ') FROM json_array_elements_text(NEW.topics) AS t(topic)));
  ELSIF resource = 'stop' THEN
    indexed_title := NEW.city;
    indexed_body := NEW.notes;
  ELSIF resource = 'meeting' THEN
    indexed_title := NEW.title;
    indexed_body := concat_ws(' · ', NEW.description,
      (SELECT string_agg(topic, ', ') FROM json_array_elements_text(NEW.topics) AS t(topic)));
  ELSE
    indexed_title := NEW.name;
    indexed_body := concat_ws(' · ', NEW.title, NEW.organization);
  END IF;
  INSERT INTO search_index (type, ref_id, title, body) VALUES (resource, NEW.id, indexed_title, indexed_body)
  ON CONFLICT (type, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body
    WHERE search_index.title IS DISTINCT FROM excluded.title OR search_index.body IS DISTINCT FROM excluded.body;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER trips_search AFTER INSERT OR UPDATE OR DELETE ON trips
  FOR EACH ROW EXECUTE FUNCTION itinerary_index_record('trip');
--> statement-breakpoint
CREATE TRIGGER stops_search AFTER INSERT OR UPDATE OR DELETE ON stops
  FOR EACH ROW EXECUTE FUNCTION itinerary_index_record('stop');
--> statement-breakpoint
CREATE TRIGGER meetings_search AFTER INSERT OR UPDATE OR DELETE ON meetings
  FOR EACH ROW EXECUTE FUNCTION itinerary_index_record('meeting');
--> statement-breakpoint
CREATE TRIGGER participants_search AFTER INSERT OR UPDATE OR DELETE ON participants
  FOR EACH ROW EXECUTE FUNCTION itinerary_index_record('participant');
--> statement-breakpoint
-- The cache generation (src/db/postgres.ts): every change-feed row bumps one of sixteen counters in the writer's
-- transaction, the one of its connection's process, so that concurrent writers seldom wait on the same row; the
-- sum changes when such a write commits, and readers compare it with the one their cached answers were built at.
CREATE TABLE cache_generation (
  shard integer PRIMARY KEY,
  value bigint NOT NULL DEFAULT 0
);
--> statement-breakpoint
INSERT INTO cache_generation (shard) SELECT shard FROM generate_series(0, 15) AS s(shard);
--> statement-breakpoint
CREATE FUNCTION itinerary_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cache_generation SET value = value + 1 WHERE shard = pg_backend_pid() % 16;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER changes_generation AFTER INSERT ON changes
  FOR EACH STATEMENT EXECUTE FUNCTION itinerary_bump_generation();
