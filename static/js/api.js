// The JSON API as the browser uses it: same-origin cookie session, X-CSRF-Token on writes,
// and the contract's error envelope turned into an ApiError with a readable message.

import { t } from "./ui.js";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

function setCsrfToken(token) {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && token) meta.content = token;
}

/**
 * Call the API. Resolves with the parsed JSON (or null for 204); rejects with ApiError
 * for an error answer, or with a TypeError when the network itself failed.
 */
export async function api(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (error) {
    // A token that went stale (a new login in another tab): fetch the current one, retry once.
    if (error instanceof ApiError && error.code === "csrf_failed" && method !== "GET") {
      await request("GET", "/me");
      return request(method, path, body);
    }
    throw error;
  }
}

/**
 * A page of the board as the server renders it for this person, as a document (inert:
 * nothing in it runs). Resolves with null when the answer is an error or another page (a
 * redirect, such as to the login page after the session ended); rejects when the network
 * itself failed.
 */
export async function fetchPage(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  const asked = new URL(url, window.location.href).pathname;
  if (!response.ok || new URL(response.url).pathname !== asked) return null;
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload?.error || {};
    throw new ApiError(response.status, error.code || "error", error.message || t("error"));
  }
  if (payload && typeof payload.csrf_token === "string") setCsrfToken(payload.csrf_token);
  return payload;
}
