-- Practice texts in several languages. `title` and `summary` (00_core.sql) hold the text as first written, in
-- `original_language` (an ISO 639-1 code); `title_<code>` / `summary_<code>` hold it in other languages (empty
-- for the original language itself, or when nobody translated it yet). Readers find the languages from the
-- column names (alliance.practices.text_languages, the search macro in 40_practices.sql), so adding a language
-- is two lines here (plus the seed columns and the locale catalogue): no code changes.
-- ALTER ... IF NOT EXISTS also brings a database file built before this feature up to date when it is opened.
ALTER TABLE activities ADD COLUMN IF NOT EXISTS original_language VARCHAR DEFAULT 'en';
ALTER TABLE activities ADD COLUMN IF NOT EXISTS title_en VARCHAR;
ALTER TABLE activities ADD COLUMN IF NOT EXISTS summary_en VARCHAR;
ALTER TABLE activities ADD COLUMN IF NOT EXISTS title_fr VARCHAR;
ALTER TABLE activities ADD COLUMN IF NOT EXISTS summary_fr VARCHAR;
