terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIAH2KVJ72CEUVW75EF"
  secret_key = "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"
}

resource "aws_s3_bucket" "media" {
  bucket = "orders-media"
}
