// A frontend as a team would write it against the Customer API mock: no build step.
// Every call sends Api-Version and Client-Session-Id, so a browser on another origin must pass
// the CORS preflight for JSON POSTs with custom headers.
"use strict";

const API = (new URLSearchParams(location.search).get("api") || "http://127.0.0.1:8080").replace(/\/$/, "");
const SESSION_ID = "frontend-" + Math.random().toString(36).slice(2, 10);
const $ = (selector) => document.querySelector(selector);

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// Nothing answered at all: no server at API, or one that refuses this page's origin (CORS).
// A browser cannot tell those two apart (both are a TypeError from fetch); either way it is not
// an API error, so it gets its own banner instead of the error box.
class Unreachable extends Error {
  constructor() {
    super(`No mock answers at ${API}`);
  }
}

async function call(path, { method = "GET", body, token, prefer } = {}) {
  const headers = { "Api-Version": "1", "Client-Session-Id": SESSION_ID };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Authorization"] = `Bearer ${token}`;
  if (prefer) headers["Prefer"] = prefer;
  let response;
  try {
    response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    showOffline(`No mock answers at ${API}.`);
    throw new Unreachable();
  }
  if (response.headers.get("Api-Version")) hideOffline(); // the mock answered (it always sends it)
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, headers: response.headers };
}

function apiPort() { return new URL(API).port || "80"; }

function startCommand() { return apiPort() === "8080" ? "make mock" : `make mock PORT=${apiPort()}`; }

function showOffline(headline) {
  $("#offline-headline").textContent = headline;
  $("#offline-command").textContent = startCommand();
  $("#offline-cli").textContent = `.venv/bin/ndt-customer mock --port ${apiPort()}`;
  $("#offline").hidden = false;
}

function hideOffline() { $("#offline").hidden = true; }

// GET /heartbeat is a simple request (no custom headers): any mock answers it, CORS included.
async function checkMock() {
  let response;
  try {
    response = await fetch(API + "/heartbeat");
  } catch (error) {
    showOffline(`No mock answers at ${API}.`);
    return;
  }
  if (response.ok) {
    hideOffline();
  } else {
    showOffline(`${API} answers, but not as the mock (GET /heartbeat: ${response.status}).`);
  }
}

function showError(error) {
  if (error instanceof Unreachable) return; // the offline banner already says it
  const box = $("#error");
  const problem = error.problem || {};
  const details = problem.errors ? Object.entries(problem.errors).map(([k, v]) => `${k}: ${v.join(", ")}`).join("; ") : "";
  box.textContent = `Something went wrong (${error.status || "network"}): ${error.message.replace(/\.$/, "")}` +
    (details ? ` (${details})` : "") + (problem.traceId ? `. Quote trace ${problem.traceId} to support.` : "");
  box.hidden = false;
}

function clearError() { $("#error").hidden = true; }

function fullName(c) { return [c.title, c.givenName, c.middleNames, c.familyName, c.suffix].filter(Boolean).join(" "); }

async function search(event) {
  event.preventDefault();
  clearError();
  const filter = {};
  for (const [key, input] of [["postcode", "#postcode"], ["givenName", "#given-name"], ["familyName", "#family-name"]]) {
    const value = $(input).value.trim();
    if (value) filter[key] = value;
  }
  $("#search-status").textContent = "Searching…";
  try {
    const { data } = await call("/customers/search", { method: "POST", body: { filter } });
    renderResults(data.values);
    $("#search-status").textContent = `${data.values.length} customer(s) found`;
  } catch (error) {
    $("#search-status").textContent = "";
    showError(error);
  }
}

function renderResults(customers) {
  const body = $("#results tbody");
  body.replaceChildren(...customers.map((c) => {
    const row = document.createElement("tr");
    row.dataset.id = c.id;
    for (const text of [fullName(c), (c.dateOfBirth || "").slice(0, 10), c.status, String(c.accounts.length)]) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    row.addEventListener("click", () => openCustomer(c.id));
    return row;
  }));
  $("#results").hidden = customers.length === 0;
}

function renderCustomer(target, customer, noDetails) {
  const rows = [
    ["Name", fullName(customer) || "(not held)"],
    ["Customer ref", customer.customerRef],
    ["Status", customer.status],
    ["Accounts", (customer.accounts || []).map((a) => a.accountNumber).join(", ") || "none"],
    ["Phone", ((customer.contact || {}).phoneNumbers || []).map((p) => `${p.type}: ${p.value}`).join(", ") || "(not held)"],
    ["Email", ((customer.contact || {}).emailAddresses || []).map((e) => e.value).join(", ") || "(not held)"],
    ["Postcode", (customer.addresses || []).map((a) => a.components.postcode).join(", ") || "(not held)"],
  ];
  const list = document.createElement("dl");
  for (const [term, value] of rows) {
    const dt = document.createElement("dt"); dt.textContent = term;
    const dd = document.createElement("dd"); dd.textContent = value;
    list.append(dt, dd);
  }
  target.replaceChildren(list);
  if (noDetails) {
    const notice = document.createElement("p");
    notice.className = "notice";
    notice.id = "no-details";
    notice.textContent = "NoCustomerDetails: we know this sign-in, but there is no account yet. Start an application?";
    target.prepend(notice);
  }
}

async function openCustomer(id, prefer) {
  clearError();
  try {
    const { data, headers } = await call(`/customers/${encodeURIComponent(id)}`, { prefer });
    renderCustomer($("#customer"), data, headers.get("NoCustomerDetails") === "true");
    $("#customer-panel").hidden = false;
  } catch (error) {
    showError(error);
  }
}

async function signIn(persona) {
  clearError();
  try {
    const { data, headers } = await call("/customers", { token: persona.token });
    renderCustomer($("#me"), data, headers.get("NoCustomerDetails") === "true");
  } catch (error) {
    showError(error);
  }
}

async function loadPersonas() {
  // The mock's /__admin API has no CORS (it holds the tokens), so a page on another origin
  // reads the committed personas from its own origin.
  try {
    const reply = await fetch("personas.json");
    if (!reply.ok) throw new Error(`personas.json: ${reply.status}`);
    const data = await reply.json();
    $("#personas").replaceChildren(...data.personas.filter((p) => p.token).map((p) => {
      const button = document.createElement("button");
      button.type = "button";
      button.id = `persona-${p.key}`;
      button.textContent = p.key;
      button.title = p.story;
      button.addEventListener("click", () => signIn(p));
      return button;
    }));
  } catch (error) {
    $("#personas").textContent = "Personas are listed in personas.json, beside this page.";
  }
}

$("#api-url").textContent = API;
$("#offline-retry").addEventListener("click", checkMock);
checkMock();
$("#search-form").addEventListener("submit", search);
$("#force-500").addEventListener("click", () => openCustomer("0003911000001668971", "code=500"));
loadPersonas();
