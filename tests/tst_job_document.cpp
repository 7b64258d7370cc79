// The job document the Job tab edits, and where a problem's field is written in a JSON text.
#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "app/job_document.h"
#include "app/json_locator.h"

using twb::app::JobDocument;
using twb::app::jsonFieldOffset;

class JobDocumentTest : public QObject {
  Q_OBJECT

 private slots:
  void anEditTouchesOnlyItsPath() {
    const QJsonObject given{{"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.1}, {"beta9", 7}}},
                            {"unknown_field", "kept"}};
    JobDocument document(given);
    document.set("optimizer.lr", 0.2, 0.01);
    QJsonObject expected = given;
    expected["optimizer"] = QJsonObject{{"type", "sgd"}, {"lr", 0.2}, {"beta9", 7}};
    QCOMPARE(document.json(), expected);
    document.set("checkpoint.keep", 5, 3);  // objects on the way are made
    QCOMPARE(document.value("checkpoint.keep").toInt(), 5);
    QCOMPARE(document.value("checkpoint.every_steps", 0).toInt(), 0);  // the engine's default
    QVERIFY(!document.contains("checkpoint.every_steps"));
  }

  void aDefaultIsWrittenOnlyWhereTheFileNamedIt() {
    JobDocument document(QJsonObject{{"batch", 64}, {"eval", QJsonObject{{"every_epoch", true}}}});
    document.set("batch", 64, 64);  // named by the file: kept
    QCOMPARE(document.json()["batch"].toInt(), 64);
    document.set("eval.every_epoch", true, true);
    QVERIFY(document.contains("eval.every_epoch"));
    // Away from the default and back: no trace, not even the object made on the way.
    document.set("checkpoint.every_steps", 100, 0);
    QVERIFY(document.contains("checkpoint.every_steps"));
    document.set("checkpoint.every_steps", 0, 0);
    QVERIFY(!document.json().contains("checkpoint"));
    QCOMPARE(document.json(),
             (QJsonObject{{"batch", 64}, {"eval", QJsonObject{{"every_epoch", true}}}}));
  }

  void removeLeavesNoEmptyObjects() {
    JobDocument document(QJsonObject{
        {"dataset", QJsonObject{{"train", "x"}, {"augment", QJsonObject{{"flip", true}}}}}});
    document.remove("dataset.augment.flip");
    QCOMPARE(document.json(), (QJsonObject{{"dataset", QJsonObject{{"train", "x"}}}}));
    document.remove("no.such.field");
    QCOMPARE(document.json(), (QJsonObject{{"dataset", QJsonObject{{"train", "x"}}}}));
  }

  void locatesAFieldInText() {
    const QString text =
        "{\n  \"name\": \"a\",\n  \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1},\n"
        "  \"model\": {\"spec\": {\"nodes\": [{\"op\": \"Linear\"}, {\"op\": \"ReLU\", \"attrs\": "
        "{}}]}}\n}";
    QCOMPARE(jsonFieldOffset(text, "name"), static_cast<int>(text.indexOf("\"name\"")));
    QCOMPARE(jsonFieldOffset(text, "optimizer.lr"), static_cast<int>(text.indexOf("\"lr\"")));
    QCOMPARE(jsonFieldOffset(text, "model.spec.nodes[1].attrs"),
             static_cast<int>(text.indexOf("\"attrs\"")));
    // An element of an array: its value, a number as an object.
    const QString list = "{\"sweep\": {\"parameters\": {\"batch\": [32,\n 64, 128]}}}";
    QCOMPARE(jsonFieldOffset(list, "sweep.parameters.batch[1]"),
             static_cast<int>(list.indexOf("64")));
    QCOMPARE(jsonFieldOffset(list, "sweep.parameters.batch[0]"),
             static_cast<int>(list.indexOf("32")));
    QCOMPARE(jsonFieldOffset(text, "model.spec.nodes[1]"),
             static_cast<int>(text.indexOf("{\"op\": \"ReLU\"")));
    QCOMPARE(jsonFieldOffset(list, "sweep.parameters.batch[5]"),
             static_cast<int>(list.indexOf("\"batch\"")));
    // A field the text lacks: its nearest enclosing key.
    QCOMPARE(jsonFieldOffset(text, "optimizer.momentum"),
             static_cast<int>(text.indexOf("\"optimizer\"")));
    QCOMPARE(jsonFieldOffset(text, "epochs"), -1);
    // A value that looks like a key is not one; a string with an escaped quote is skipped whole.
    const QString tricky = "{\"name\": \"lr\\\": x\", \"lr\": 1}";
    QCOMPARE(jsonFieldOffset(tricky, "lr"), static_cast<int>(tricky.lastIndexOf("\"lr\"")));
    // Text that does not parse is read as far as it goes.
    QCOMPARE(jsonFieldOffset("{\"batch\": 12 8", "batch"), 1);
  }
};

QTEST_GUILESS_MAIN(JobDocumentTest)
#include "tst_job_document.moc"
