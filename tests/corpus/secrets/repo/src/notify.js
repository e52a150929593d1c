// Notifications: Slack and SendGrid clients (node).
const { WebClient } = require("@slack/web-api");
const sgMail = require("@sendgrid/mail");

const slack = new WebClient("xoxb-828288072902-2279180588871-4JdpmrcXgGCJbW56eCuNGMGm");
sgMail.setApiKey("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");

const ORDER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUILD_SHA = "3f1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a";

module.exports = { slack, sgMail, ORDER_ID_PATTERN, BUILD_SHA };
