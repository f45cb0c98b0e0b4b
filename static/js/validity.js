// The browser's own form messages in the page's language, on every page and every field.
//
// A browser words its validation bubbles ("Please fill out this field.") and its file
// chooser ("No file chosen") in its own language: a German page in an English browser
// spoke English there. This module gives each invalid field a sentence from the server's
// catalog (data-form-messages on <body>, board/web/form_messages.py), chosen from the
// field's ValidityState, with the field's own numbers and dates in the page's language;
// and it tells an image field's chooser which file was chosen. Events are caught on the
// document, so fields that arrive later (a live comment's edit form) are served too.

const messages = (() => {
  try {
    return JSON.parse(document.body.dataset.formMessages || "{}");
  } catch {
    return {};
  }
})();
const lang = document.documentElement.lang || "en";

/** The catalog's sentence `key` with its %(name)s placeholders filled in ("" if missing:
 *  the browser's own message stays). */
function say(key, params = {}) {
  const text = messages[key] ?? "";
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 20 });

/** A field's bound (min, max, a step's neighbour) as the page's language writes it:
 *  "20.000", "4. Mai 2026", "4. Mai 2026, 18:30". */
function shownValue(field, text) {
  if (field.type === "number" || field.type === "range") {
    const value = Number(text);
    return text !== "" && Number.isFinite(value) ? numbers.format(value) : text;
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(text);
  if (!day || (field.type !== "date" && field.type !== "datetime-local")) return text;
  const [, year, month, date, hour, minute] = day.map(Number);
  // The value is a wall-clock date (and time) without a zone: read and written in UTC.
  const moment = new Date(Date.UTC(year, month - 1, date, hour || 0, minute || 0));
  const style = { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" };
  if (field.type === "datetime-local") Object.assign(style, { hour: "numeric", minute: "2-digit" });
  return new Intl.DateTimeFormat(lang, style).format(moment);
}

function valueMissing(field) {
  if (field.type === "checkbox") return say("value_missing_checkbox");
  if (field.type === "radio") return say("value_missing_choice");
  if (field.type === "file") return say("value_missing_file");
  if (field.tagName === "SELECT") return say("value_missing_select");
  return say("value_missing");
}

/** rangeUnderflow and rangeOverflow: both bounds where the field has both. */
function outOfRange(field) {
  const kind = field.type === "date" ? "day" : field.type === "datetime-local" ? "moment" : "number";
  const min = shownValue(field, field.min);
  const max = shownValue(field, field.max);
  if (field.min && field.max) return say(`${kind}_between`, { min, max });
  return field.validity.rangeUnderflow ? say(`${kind}_min`, { min }) : say(`${kind}_max`, { max });
}

/** stepMismatch: "a whole number", else the two nearest values the field takes. */
function offStep(field) {
  const step = Number(field.step) || 1;
  const value = Number(field.value);
  if (field.type !== "number" || !Number.isFinite(value)) return say("bad_value");
  // The step counts from min, else from the value the page gave, else from 0 (HTML's rule).
  const base = Number(field.min || field.getAttribute("value") || 0) || 0;
  if (step === 1 && Number.isInteger(base)) return say("whole_number");
  const low = Number((base + Math.floor((value - base) / step) * step).toPrecision(12));
  const high = Number((low + step).toPrecision(12));
  return say("step", { low: shownValue(field, String(low)), high: shownValue(field, String(high)) });
}

function tooShortOrLong(field, key, limit) {
  return say(`${key}_${limit === 1 ? "one" : "many"}`, {
    num: numbers.format(limit),
    now: numbers.format(field.value.length),
  });
}

/** The sentence for what is wrong with `field` ("" when nothing we know of is). */
function messageFor(field) {
  const state = field.validity;
  if (state.badInput) {
    if (field.type === "number") return say("bad_number");
    if (field.type === "date" || field.type === "datetime-local") return say("bad_date");
    return say("bad_value");
  }
  if (state.valueMissing) return valueMissing(field);
  if (state.typeMismatch) {
    if (field.type === "url") return say("url");
    return say(field.value.includes("@") ? "email" : "email_at");
  }
  if (state.tooShort) return tooShortOrLong(field, "too_short", field.minLength);
  if (state.tooLong) return tooShortOrLong(field, "too_long", field.maxLength);
  if (state.rangeUnderflow || state.rangeOverflow) return outOfRange(field);
  if (state.stepMismatch) return offStep(field);
  if (state.patternMismatch) {
    return field.title ? say("pattern_title", { title: field.title }) : say("pattern");
  }
  return "";
}

// The message each field was given here: another script's own setCustomValidity is kept.
const given = new WeakMap();

/** Clear the field's message, and give it the page's sentence while it is still invalid:
 *  a field that was fixed is valid at once. */
function refresh(field) {
  if (!field.willValidate || typeof field.setCustomValidity !== "function") return;
  if (field.validity.customError && field.validationMessage !== given.get(field)) return;
  field.setCustomValidity("");
  const message = field.validity.valid ? "" : messageFor(field);
  field.setCustomValidity(message);
  given.set(field, message);
}

/** The field, or all the radio buttons of its group (one choice mends them all). */
function group(field) {
  if (field.type !== "radio" || !field.name) return [field];
  const scope = field.form ? [...field.form.elements] : [...document.getElementsByName(field.name)];
  return scope.filter((other) => other.type === "radio" && other.name === field.name);
}

function refreshGroup(event) {
  const field = event.target;
  if (!(field instanceof HTMLInputElement || field instanceof HTMLSelectElement
    || field instanceof HTMLTextAreaElement)) return;
  for (const member of group(field)) refresh(member);
  if (field.type === "file" && event.type !== "invalid") showChosen(field);
}

// ---- an image field's chooser (templates/partials/cards.html `image_field`) -------------

function chosenLine(input) {
  return input.closest(".file-chooser")?.querySelector(".file-chosen") ?? null;
}

/** The chooser's line says which file was chosen, or that none was. */
function showChosen(input) {
  const line = chosenLine(input);
  if (!line) return;
  const names = [...(input.files || [])].map((file) => file.name);
  line.textContent = names.length ? names.join(", ") : say("no_image") || line.textContent;
}

/** A screen reader hears the chooser's line with the field (the browser's own "No file
 *  chosen" speaks the browser's language). Only with this script: without it, the line is
 *  not shown and would not follow a choice. */
function describeChooser(input) {
  const line = chosenLine(input);
  if (!line || !line.id) return;
  const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  if (!ids.includes(line.id)) input.setAttribute("aria-describedby", [...ids, line.id].join(" "));
}

// ---- wiring --------------------------------------------------------------------------

document.documentElement.classList.add("forms-ready"); // board.css shows the choosers
for (const input of document.querySelectorAll(".file-chooser input[type=file]")) {
  describeChooser(input);
  showChosen(input); // a file kept by the browser's back button
}
document.addEventListener("invalid", refreshGroup, true); // invalid does not bubble
document.addEventListener("input", refreshGroup, true);
document.addEventListener("change", refreshGroup, true);
document.addEventListener("focusin", (event) => {
  if (event.target instanceof HTMLInputElement && event.target.type === "file") describeChooser(event.target);
});
// A reset form puts its defaults back after the event: look at the fields then.
document.addEventListener("reset", (event) => {
  setTimeout(() => {
    for (const field of event.target.elements || []) {
      refresh(field);
      if (field.type === "file") showChosen(field);
    }
  });
});
// A submit button checks the whole form: a field changed by a script (no input event)
// must not keep a message it no longer deserves.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button, input") : null;
  if (!button || button.type !== "submit" || !button.form) return;
  for (const field of button.form.elements) refresh(field);
}, true);
