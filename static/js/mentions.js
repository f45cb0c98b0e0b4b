// @-mention autocomplete for the board's text fields (ideas, comments, task descriptions).
// Type "@" and a few letters: a list of people (name, handle, department) appears under
// the field. Arrow keys move, Enter or Tab picks, Escape closes; a click picks too.
// It follows the ARIA combobox pattern so screen readers announce the choices.

import { api } from "./api.js";
import { t } from "./ui.js";

const TRIGGER = /(^|[^\w@./-])@([A-Za-z0-9._-]{0,30})$/;
let counter = 0;

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

class MentionBox {
  constructor(field) {
    this.field = field;
    this.items = [];
    this.active = -1;
    this.query = null;
    this.list = document.createElement("ul");
    this.list.id = `mention-list-${++counter}`;
    this.list.className = "mention-list";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", t("mention_people"));
    this.list.hidden = true;
    field.after(this.list);
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", this.list.id);
    this.lookup = debounce((q) => this.search(q), 120);
    field.addEventListener("input", () => this.changed());
    field.addEventListener("keydown", (event) => this.key(event));
    field.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  changed() {
    const before = this.field.value.slice(0, this.field.selectionStart);
    const match = TRIGGER.exec(before);
    if (!match) return this.close();
    this.query = match[2];
    this.lookup(this.query);
  }

  async search(query) {
    try {
      const answer = await api("GET", `/people?q=${encodeURIComponent(query)}`);
      if (query !== this.query) return; // the person typed on meanwhile
      this.show(answer.items || []);
    } catch {
      this.close();
    }
  }

  show(items) {
    this.items = items;
    this.list.replaceChildren();
    if (!items.length) return this.close();
    items.forEach((person, index) => {
      const option = document.createElement("li");
      option.id = `${this.list.id}-${index}`;
      option.setAttribute("role", "option");
      option.className = "mention-option";
      const name = document.createElement("strong");
      name.textContent = person.display_name;
      const handle = document.createElement("span");
      handle.className = "mention-handle";
      handle.textContent = ` @${person.handle}`;
      const department = document.createElement("small");
      department.textContent = ` · ${person.department.name}`;
      option.append(name, handle, department);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault(); // keep the focus in the field
        this.pick(index);
      });
      this.list.append(option);
    });
    this.list.hidden = false;
    this.select(0);
  }

  select(index) {
    this.active = index;
    [...this.list.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    const current = this.list.children[index];
    if (current) this.field.setAttribute("aria-activedescendant", current.id);
  }

  key(event) {
    if (this.list.hidden) return;
    const n = this.items.length;
    if (event.key === "ArrowDown") this.select((this.active + 1) % n);
    else if (event.key === "ArrowUp") this.select((this.active - 1 + n) % n);
    else if (event.key === "Enter" || event.key === "Tab") this.pick(this.active);
    else if (event.key === "Escape") this.close();
    else return;
    event.preventDefault();
  }

  pick(index) {
    const person = this.items[index];
    if (!person) return this.close();
    const field = this.field;
    const caret = field.selectionStart;
    const before = field.value.slice(0, caret).replace(/@[A-Za-z0-9._-]*$/, `@${person.handle} `);
    field.value = before + field.value.slice(caret);
    field.setSelectionRange(before.length, before.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
    this.close();
  }

  close() {
    this.list.hidden = true;
    this.items = [];
    this.active = -1;
    this.field.removeAttribute("aria-activedescendant");
  }
}

/** Give every text field people write into an @-mention autocomplete. */
export function enhanceMentions(root = document) {
  if (document.body.dataset.role === "observer") return;
  for (const field of root.querySelectorAll('textarea[name="body"], textarea[name="description"]')) {
    if (!field.dataset.mentions) {
      field.dataset.mentions = "on";
      new MentionBox(field);
    }
  }
}
