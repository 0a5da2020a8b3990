-- A poll's own questions beside the framework ones: multiple choice, a 1-5 scale, open text (a word cloud on
-- the big screen). Positions follow the framework questions' positions in the same poll.
CREATE TABLE IF NOT EXISTS poll_items (
    poll_code VARCHAR NOT NULL,
    position  INTEGER NOT NULL CHECK (position BETWEEN 1 AND 20),
    kind      VARCHAR NOT NULL CHECK (kind IN ('choice', 'scale', 'text')),
    prompt    VARCHAR NOT NULL CHECK (length(prompt) BETWEEN 1 AND 280),
    options   VARCHAR[] NOT NULL DEFAULT [],
    -- open text: the moderator's last "show on screen"; the word cloud counts texts sent up to then only
    shown_until TIMESTAMP,
    hidden_words VARCHAR[] NOT NULL DEFAULT [],
    PRIMARY KEY (poll_code, position)
);

-- One answer per participant and own question: `choice` is an option's index (0-based) for multiple choice,
-- the value 1-5 for a scale; `text` the open text (280 characters at most). alliance.poll is the only writer.
CREATE TABLE IF NOT EXISTS poll_item_answers (
    poll_code   VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    participant VARCHAR NOT NULL CHECK (regexp_full_match(participant, '[A-Za-z0-9_-]{16,64}')),
    choice      INTEGER CHECK (choice BETWEEN 0 AND 19),
    text        VARCHAR CHECK (length(text) BETWEEN 1 AND 280),
    answered_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (poll_code, position, participant)
);
