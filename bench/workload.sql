-- A call-heavy SQLite workload for bench/levels.py: inserts through an
-- index, joins, grouping, string functions and sorting.
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL);
CREATE INDEX item_grp ON item(grp);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO item SELECT i, printf('item-%08d', (i * 7919) % 100003), i % 97, (i % 1000) / 7.0 FROM n;
CREATE TABLE grp(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 96)
INSERT INTO grp SELECT i, upper(hex(i * 31)) FROM n;
SELECT g.label, count(*), round(sum(i.price), 2), max(length(i.name))
  FROM item i JOIN grp g ON g.id = i.grp GROUP BY g.label ORDER BY 3 DESC LIMIT 5;
SELECT count(*) FROM item WHERE name LIKE '%123%';
SELECT substr(name, 6, 4) AS k, count(*) FROM item GROUP BY k ORDER BY 2 DESC, 1 LIMIT 3;
UPDATE item SET price = price * 1.1 WHERE grp IN (SELECT id FROM grp WHERE label LIKE '%A%');
SELECT sum(price) FROM item;
