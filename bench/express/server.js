// The Express + node-postgres yardstick of bench/bench_http.py: bench/minimal.py's minimal
// server in Node. The same routes, the same SQL text (the generated constants of
// service/store/queries), the same parameters and pool size, the same JSON: bench/minimal.py's
// express_config() passes them in BENCH_EXPRESS_CONFIG (JSON), so there is one source of truth.
//
//     BENCH_EXPRESS_CONFIG='{...}' node bench/express/server.js --port N
//
// One process (no cluster), one pg.Pool. Named queries, so each connection prepares a statement
// once, as asyncpg's statement cache does. No ETag or X-Powered-By (aiohttp adds neither).
'use strict';

const express = require('express');
const pg = require('pg');

// bigint counts as numbers, as asyncpg gives them (text[] and json are parsed already).
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const config = JSON.parse(process.env.BENCH_EXPRESS_CONFIG);
const portAt = process.argv.indexOf('--port');
const port = Number(process.argv[portAt + 1]);
if (portAt < 0 || !Number.isInteger(port)) {
  throw new Error('usage: node server.js --port N (BENCH_EXPRESS_CONFIG in the environment)');
}

const pool = new pg.Pool({ connectionString: config.dsn, max: config.pool_size, min: 2 });

// What reads each parameter from a request's route segments and query string (req.query is
// parsed again on each access in Express 5, so once per request): see bench/minimal.py.
function getter([kind, key]) {
  switch (kind) {
    case 'value':
      return () => key;
    case 'path':
      return (params) => params[key];
    case 'text':
      return (params, query) => query[key];
    case 'int':
      return (params, query) => (query[key] === undefined ? null : toInt(query[key]));
    case 'rows':
      return (params, query) => (query[key] === undefined ? config.limit : toInt(query[key])) + 1;
    default:
      throw new Error(`unknown parameter source ${kind}`);
  }
}

// int(): a bad number fails the request, as it does in Python.
function toInt(raw) {
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`not an integer: ${raw}`);
  return value;
}

function route(name) {
  const getters = config[name].params.map(getter);
  const text = config[name].sql;
  return (params, query) => ({ name, text, values: getters.map((get) => get(params, query)) });
}

const detailQuery = route('detail');
const searchQuery = route('search');

function page(items, limit) {
  return { items: items.slice(0, limit), next_cursor: items.length > limit ? 'more' : null };
}

// nullability overrides ("related!") are part of the column names
function unmarked(row) {
  const out = {};
  for (const key in row) out[key.endsWith('!') ? key.slice(0, -1) : key] = row[key];
  return out;
}

const app = express();
app.set('etag', false);
app.set('x-powered-by', false);

app.get('/v1/ghosts/:slug', async (req, res) => {
  const { rows } = await pool.query(detailQuery(req.params, req.query));
  if (rows.length === 0) {
    res.status(404).end();
    return;
  }
  const data = {};
  const counts = {};
  for (const [key, value] of Object.entries(rows[0])) {
    if (key.endsWith('_count')) counts[key] = value;
    else if (!key.endsWith('!')) data[key] = value;
  }
  data.counts = counts;
  data.related = page(rows[0]['related!'], config.embedded);
  data.stories = page(rows[0]['stories!'], config.embedded);
  data.media = rows[0]['media!'];
  res.json(data);
});

app.get('/v1/ghosts', async (req, res) => {
  const query = req.query;
  const limit = query.limit === undefined ? config.limit : toInt(query.limit);
  const { rows } = await pool.query(searchQuery(req.params, query));
  res.json(page(rows.map(unmarked), limit));
});

app.get('/health/ready', (req, res) => {
  res.type('application/json').send(config.bare_body);
});

const server = app.listen(port, '127.0.0.1');

function stop() {
  server.close();
  server.closeAllConnections();
  pool.end().finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
