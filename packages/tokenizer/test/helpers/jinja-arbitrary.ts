// fast-check generators of hostile chat templates: fragments that loop, nest loops, recurse
// through macros, grow strings and lists by doubling, ask for huge ranges, widths and repeats,
// call filters on odd values, or do not parse, composed with ordinary template pieces.
import fc from 'fast-check';

const big = fc.constantFrom('10**9', '10**8', '2**31', '100000', '99999999', '-1', '0', '3', 'none', "'x'", '1.5');
const text = fc.constantFrom("'a'", "'ab'", 'messages', 'messages[0]', 'messages[0].content', 'tools', "''", '[1, 2]', '{}', 'bos_token');

const fragment: fc.Arbitrary<string> = fc.oneof(
  big.map((n) => `{{ 'a' * ${n} }}`),
  big.map((n) => `{{ [1] * ${n} }}`),
  big.map((n) => `{% for i in range(${n}) %}{{ i }}{% endfor %}`),
  fc.tuple(big, big).map(([a, b]) => `{% for i in range(${a}) %}{% for j in range(${b}) %}x{% endfor %}{% endfor %}`),
  fc.constant('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}'),
  fc.constant('{% macro f(n) %}{{ f(n) ~ f(n) }}{% endmacro %}{{ f(1) }}'),
  big.map((n) => `{% set ns = namespace(s='ab') %}{% for i in range(${n}) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}`),
  big.map((n) => `{% set ns = namespace(a=[1]) %}{% for i in range(${n}) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a|length }}`),
  fc.tuple(text, big).map(([t, n]) => `{{ ${t}|indent(${n}) }}`),
  fc.tuple(text, big).map(([t, n]) => `{{ ${t}|tojson(indent=${n}) }}`),
  fc.tuple(text, big).map(([t, n]) => `{{ ${t}|center(${n}) }}`),
  fc
    .tuple(
      text,
      fc.constantFrom(
        'upper',
        'lower',
        'trim',
        'length',
        'first',
        'last',
        'reverse',
        'list',
        'join',
        'tojson',
        'items',
        'string',
        'int',
        'safe',
        'unique',
        'sort',
      ),
      fc.boolean(),
    )
    .map(([t, filter, call]) => `{{ ${t}|${filter}${call ? '()' : ''} }}`),
  text.map((t) => `{% for m in ${t} %}{{ m }}{% endfor %}`),
  text.map((t) => `{{ ${t}.split('a') }}{{ ${t}.replace('a', 'aa') }}`),
  text.map((t) => `{{ raise_exception(${t}) }}`),
  fc.constant('{% for message in messages %}<|{{ message.role }}|>{{ message.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}'),
  fc.constant("{{ strftime_now('%Y-%m-%d %H:%M:%S %% %q') }}"),
  fc.constantFrom(
    '{% if %}',
    '{{',
    '{% for %}{% endfor %}',
    '{% endfor %}',
    '{{ 1 +',
    '{% set %}',
    '{% macro %}',
    '{# unclosed',
    '{{ ((((((((((1)))))))))) }}',
  ),
  fc.string({ maxLength: 12 }),
);

/** A template of a few fragments. */
export const hostileTemplate: fc.Arbitrary<string> = fc.array(fragment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));

/** Messages a template sees: ordinary, odd roles and content, deep content. */
export const hostileMessages = fc.array(
  fc.record({
    role: fc.constantFrom('system', 'user', 'assistant', 'tool', ''),
    content: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constant(null),
      fc.array(fc.record({ type: fc.constant('text'), text: fc.string({ maxLength: 8 }) }), { maxLength: 2 }),
    ),
  }),
  { minLength: 1, maxLength: 3 },
);
